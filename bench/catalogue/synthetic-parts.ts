/**
 * The byte-level parts of a synthetic set version (synthetic.ts): its volume rule, its
 * MediaWiki-export pages archive, its volume torrents (random piece digests: no media bytes
 * exist) and its metadata torrent (real piece hashes over the manifest, signature and pages).
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import bencode from 'bencode';
import type { ManifestFile } from '../../shared/formats/manifest.ts';

const METADATA_PIECE_LENGTH = 256 * 1024;
/** Commons' upload base: the volume torrents' web seed. */
export const UPLOAD_BASE = 'https://upload.wikimedia.org/wikipedia/';

/** Volume rule leaves for k volumes (prefix bits of the MD5 of the file name). */
export function layoutFor(k: number): string[] {
  const leaves: Record<number, string[]> = {
    2: ['0', '1'],
    3: ['0', '10', '11'],
    4: ['00', '01', '10', '11'],
    5: ['00', '01', '10', '110', '111'],
    6: ['00', '010', '011', '10', '110', '111'],
  };
  return leaves[k]!;
}

/** The first `bits` bits of the MD5 of a file name, as a string of 0s and 1s. */
export function md5Bits(name: string, bits: number): string {
  const d = createHash('md5').update(name, 'utf8').digest();
  let out = '';
  for (let i = 0; i < bits; i++) out += (d[i >> 3]! >> (7 - (i & 7))) & 1;
  return out;
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** pages.xml.gz: one short description page per file in MediaWiki's export format, sorted by title. */
export function pagesArchive(files: ManifestFile[]): Buffer {
  const parts = [
    '<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11" xml:lang="en">\n',
    '  <siteinfo><sitename>Wikimedia Commons</sitename><dbname>commonswiki</dbname><base>https://commons.wikimedia.org/wiki/Main_Page</base><generator>MediaWiki 1.45.0-wmf.5</generator><case>first-letter</case></siteinfo>\n',
  ];
  for (const f of files) {
    const text = [
      '=={{int:filedesc}}==',
      `{{Information |description={{en|1=${f.title.slice(5).replace(/\.[^.]+$/, '')}}} |date=${f.uploadTimestamp.slice(0, 10)} |source={{own}} |author=${f.author ? `[[User:${f.author}|${f.author}]]` : '{{unknown|author}}'} }}`,
      f.coordinates ? `{{Location|${f.coordinates.lat}|${f.coordinates.lon}}}` : '',
      '=={{int:license-header}}==',
      `{{self|${f.license ?? 'PD-old'}}}`,
      ...f.categories.map((c) => `[[Category:${c}]]`),
    ].join('\n');
    parts.push(
      `  <page><title>${xmlEscape(f.title)}</title><ns>6</ns><id>${f.pageId}</id><revision><id>${f.revisionId}</id><timestamp>${f.uploadTimestamp}</timestamp>` +
        `<contributor><username>${xmlEscape(f.author ?? 'Anonymous')}</username></contributor><model>wikitext</model><format>text/x-wiki</format>` +
        `<text bytes="${Buffer.byteLength(text)}" xml:space="preserve">${xmlEscape(text)}</text></revision></page>\n`,
    );
  }
  parts.push('</mediawiki>\n');
  return gzipSync(Buffer.from(parts.join(''), 'utf8'), { level: 6 });
}

/** A multi-file volume torrent in the builder's layout; random digests stand in for the pieces. */
export function volumeTorrent(files: ManifestFile[], pieceLength: number, r: () => number): { torrent: Buffer; infoHash: string; pieces: number; size: number } {
  const size = files.reduce((n, f) => n + f.size, 0);
  const pieces = Math.ceil(size / pieceLength);
  const digests = Buffer.allocUnsafe(pieces * 20);
  for (let i = 0; i < digests.length; i += 4) digests.writeUInt32LE(Math.floor(r() * 4294967296), i);
  const info = {
    files: files.map((f) => ({ length: f.size, path: f.path.split('/').map((s) => Buffer.from(s, 'utf8')), sha1: Buffer.from(f.sha1, 'hex') })),
    name: Buffer.from('commons', 'utf8'),
    'piece length': pieceLength,
    pieces: digests,
  };
  const infoBytes = Buffer.from(bencode.encode(info));
  const infoHash = createHash('sha1').update(infoBytes).digest('hex');
  // The bencoding of { 'created by', info, 'url-list' } (keys in order) around the info bytes: encoded once.
  const torrent = Buffer.concat([Buffer.from('d10:created by8:seedbank4:info'), infoBytes, Buffer.from(`8:url-listl${Buffer.byteLength(UPLOAD_BASE)}:${UPLOAD_BASE}ee`)]);
  return { torrent, infoHash, pieces, size };
}

/** The metadata torrent over manifest.json, manifest.sig and pages.xml.gz, with real piece hashes. */
export function metadataTorrent(setId: string, version: number, parts: Array<[string, Buffer]>, builtAt: Date): { torrent: Buffer; infoHash: string } {
  const all = Buffer.concat(parts.map(([, b]) => b));
  const digests: Buffer[] = [];
  for (let at = 0; at < all.length; at += METADATA_PIECE_LENGTH) digests.push(createHash('sha1').update(all.subarray(at, at + METADATA_PIECE_LENGTH)).digest());
  const info = {
    files: parts.map(([name, b]) => ({ length: b.length, path: [Buffer.from(name, 'utf8')] })),
    name: Buffer.from(`${setId}-v${version}`, 'utf8'),
    'piece length': METADATA_PIECE_LENGTH,
    pieces: Buffer.concat(digests),
  };
  const infoHash = createHash('sha1').update(bencode.encode(info)).digest('hex');
  const torrent = Buffer.from(bencode.encode({ 'created by': 'seedbank', 'creation date': Math.floor(builtAt.getTime() / 1000), encoding: 'UTF-8', info, 'url-list': [] }));
  return { torrent, infoHash };
}
