import { createHash } from 'node:crypto';
import bencode from 'bencode';
import { describe, expect, it } from 'vitest';
import { isSeedbankError } from '../errors.ts';
import { parseVolumeTorrent } from './index.ts';

const PIECE = 16 * 1024;
type Dict = Record<string, unknown>;

/** A valid one-file volume torrent, with parts of the info dict or the top level replaced. */
function craft(info: Dict = {}, top: Dict = {}): Buffer {
  const base: Dict = {
    files: [{ length: 5, path: ['a', 'ab', 'x.jpg'] }],
    name: 'commons',
    'piece length': PIECE,
    pieces: Buffer.alloc(20, 7),
  };
  return Buffer.from(bencode.encode({ 'created by': 'someone', info: { ...base, ...info }, ...top } as never));
}

function files(...paths: unknown[][]): Dict {
  return { files: paths.map((path) => ({ length: 1, path })), pieces: Buffer.alloc(20) };
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isSeedbankError(err)) return err.code;
    throw err;
  }
  return 'no error';
}

describe('parseVolumeTorrent on untrusted input', () => {
  it('accepts a well-formed foreign torrent and hashes the exact info bytes', () => {
    const buf = craft({}, { 'url-list': 'https://upload.wikimedia.org/wikipedia/', 'x-unknown': 1, announce: 'udp://t:1' });
    const p = parseVolumeTorrent(buf);
    const text = buf.toString('latin1');
    const start = text.indexOf('4:info') + '4:info'.length;
    const end = text.indexOf('8:url-list');
    expect(p.infoHash).toBe(createHash('sha1').update(buf.subarray(start, end)).digest('hex'));
    expect(p).toMatchObject({ name: 'commons', urlList: ['https://upload.wikimedia.org/wikipedia/'], announce: ['udp://t:1'], createdBy: 'someone' });
    expect(p.files).toEqual([{ path: 'a/ab/x.jpg', length: 5, offset: 0 }]);
  });

  it.each([
    ['..', [['..', 'etc', 'passwd']]],
    ['.. deeper in', [['a', '..', '..', 'x']]],
    ['.', [['a', '.', 'x']]],
    ['empty segment', [['a', '', 'x']]],
    ['empty path', [[]]],
    ['slash inside a segment', [['a/../../x']]],
    ['absolute via slash', [['/etc/passwd']]],
    ['backslash', [['a\\..\\x']]],
    ['NUL', [['a\0.jpg']]],
    ['invalid UTF-8', [[Buffer.from([0x61, 0xff])]]],
    ['duplicate path', [['a', 'x'], ['a', 'x']]],
    ['file where a folder is', [['a'], ['a', 'x']]],
    ['folder where a file is', [['a', 'x'], ['a']]],
  ])('refuses a path with %s', (_, paths) => {
    expect(codeOf(() => parseVolumeTorrent(craft(files(...paths))))).toBe('TORRENT_HOSTILE_PATH');
  });

  it.each([['..'], ['.'], [''], ['a/b'], ['a\\b']])('refuses the torrent name %j', (name) => {
    expect(codeOf(() => parseVolumeTorrent(craft({ name })))).toBe('TORRENT_HOSTILE_PATH');
  });

  it.each([
    ['missing pieces', craft({ pieces: undefined })],
    ['pieces too short', craft({ pieces: Buffer.alloc(19) })],
    ['too many pieces', craft({ pieces: Buffer.alloc(40) })],
    ['pieces not a string', craft({ pieces: 5 })],
    ['piece length not a power of two', craft({ 'piece length': 3 * PIECE })],
    ['piece length too small', craft({ 'piece length': 1024 })],
    ['missing info', Buffer.from(bencode.encode({ announce: 'x' }))],
    ['info not a dictionary', Buffer.from(bencode.encode({ info: 'x' }))],
    ['missing files', craft({ files: undefined })],
    ['empty file list', craft({ files: [] })],
    ['single-file torrent', craft({ files: undefined, length: 5 })],
    ['negative length', craft({ files: [{ length: -1, path: ['x'] }] })],
    ['length not an integer', craft({ files: [{ length: '5', path: ['x'] }] })],
    ['path not a list', craft({ files: [{ length: 5, path: 'x' }] })],
    ['path segment not a string', craft({ files: [{ length: 5, path: [1] }] })],
    ['sha1 not 20 bytes', craft({ files: [{ length: 5, path: ['x'], sha1: Buffer.alloc(19) }] })],
    ['all files empty', craft({ files: [{ length: 0, path: ['x'] }], pieces: Buffer.alloc(0) })],
    ['not a dictionary', Buffer.from('li1ee')],
    ['empty input', Buffer.alloc(0)],
    ['trailing bytes', Buffer.concat([craft(), Buffer.from('x')])],
    ['truncated', craft().subarray(0, 40)],
    ['unsorted keys', Buffer.from('d4:infod4:name1:xe1:ai1ee')],
    ['duplicate keys', Buffer.from('d1:ai1e1:ai2ee')],
    ['leading zero', Buffer.from('d1:ai05ee')],
    ['negative zero', Buffer.from('d1:ai-0ee')],
    ['float', Buffer.from('d1:ai1.5ee')],
    ['huge integer', Buffer.from('d1:ai99999999999999999999ee')],
    ['negative string length (hangs bencode@4)', Buffer.from('d1:al-3:eee')],
    ['string past the end', Buffer.from('d1:a999:xe')],
    ['nested too deep', Buffer.from(`d1:a${'l'.repeat(100)}${'e'.repeat(100)}e`)],
  ])('refuses %s as TORRENT_INVALID', (_, buf) => {
    expect(codeOf(() => parseVolumeTorrent(buf))).toBe('TORRENT_INVALID');
  });
});
