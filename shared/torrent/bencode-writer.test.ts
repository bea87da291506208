import bencode from 'bencode';
import { describe, expect, it } from 'vitest';
import { Bencoded, bencodeToBuffer, type BencodeValue } from './bencode-writer.ts';

describe('bencodeToBuffer', () => {
  it('writes the bytes the bencode package writes: sorted keys, empty entries left out, UTF-8 strings and paths', () => {
    const value: BencodeValue = {
      announce: 'http://127.0.0.1:1/announce',
      'announce-list': [['http://127.0.0.1:1/announce'], ['udp://127.0.0.1:2']],
      comment: undefined,
      'created by': 'seedbank',
      'creation date': 1_764_000_000,
      info: {
        files: [
          { length: 0, path: ['a', 'ab', 'Empty.jpg'] },
          { length: 5_000_000_000, path: ['f', 'f3', 'Café_–_北京_🌍.jpg'], sha1: Buffer.from('00'.repeat(20), 'hex') },
          { length: 12, path: ['0', '0a', 'x'], sha1: null },
        ],
        name: 'commons',
        'piece length': 262_144,
        pieces: Buffer.from(Array.from({ length: 60 }, (_, i) => i)),
      },
      'url-list': ['http://127.0.0.1:9/wikipedia/'],
      zeta: [1, -7, null, 'é', new Uint8Array([0, 255])],
    };
    expect(bencodeToBuffer(value).equals(Buffer.from(bencode.encode(value as never)))).toBe(true);
  });

  it('writes already-encoded bytes in place, so an info dictionary encoded once for its hash is the same inside the torrent', () => {
    const info = { name: 'commons', 'piece length': 16_384, pieces: Buffer.alloc(20, 7) };
    const once = bencodeToBuffer(info);
    expect(bencodeToBuffer({ info: new Bencoded(once), 'url-list': ['http://127.0.0.1/'] }).equals(Buffer.from(bencode.encode({ info, 'url-list': ['http://127.0.0.1/'] })))).toBe(true);
  });

  it('refuses what bencode cannot hold instead of writing a rounded number', () => {
    expect(() => bencodeToBuffer({ length: 1.5 })).toThrow(/integers only/);
  });

  it('grows past its first buffer without losing bytes', () => {
    const big: BencodeValue = { files: Array.from({ length: 20_000 }, (_, i) => ({ length: i, path: ['a', 'ab', `File_${i}.jpg`] })) };
    expect(bencodeToBuffer(big).equals(Buffer.from(bencode.encode(big as never)))).toBe(true);
  });
});
