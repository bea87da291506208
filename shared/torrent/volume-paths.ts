/**
 * Path rules for files inside a volume torrent, shared by the creator (our own input) and the
 * parser (untrusted torrents): a path is a list of plain names that can never leave the
 * torrent's root folder on any filesystem, and no two files may claim the same place.
 */
import path from 'node:path';
import { SeedbankError } from '../errors.ts';

/** Lone UTF-16 surrogates cannot be encoded as UTF-8 and would silently become U+FFFD. */
const LONE_SURROGATE = /\p{Cs}/u;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Why a single path segment (a file or folder name) is unsafe, or null when it is fine. */
export function segmentProblem(segment: string): string | null {
  if (segment.length === 0) return 'an empty name';
  if (segment === '.' || segment === '..') return `the name "${segment}"`;
  if (segment.includes('/')) return 'a "/" inside a name';
  if (segment.includes('\\')) return 'a backslash';
  if (segment.includes('\0')) return 'a NUL byte';
  if (LONE_SURROGATE.test(segment)) return 'text that is not valid Unicode';
  return null;
}

function hostile(code: 'TORRENT_HOSTILE_PATH' | 'TORRENT_BAD_PATH', message: string, p: string): SeedbankError {
  return new SeedbankError(code, message, {
    hint: code === 'TORRENT_HOSTILE_PATH'
      ? 'refusing a torrent whose file paths could escape or clobber its folder'
      : 'volume paths are POSIX, relative to the commons folder, like a/ab/Name.jpg',
    context: { path: p },
  });
}

/** Splits a caller's 'a/ab/Name.jpg' into segments, throwing TORRENT_BAD_PATH when unsafe. */
export function volumePathSegments(p: string): string[] {
  if (typeof p !== 'string' || p.length === 0) throw hostile('TORRENT_BAD_PATH', 'empty file path', String(p));
  if (p.startsWith('/')) throw hostile('TORRENT_BAD_PATH', `file path ${JSON.stringify(p)} is absolute`, p);
  const segments = p.split('/');
  for (const s of segments) {
    const problem = segmentProblem(s);
    if (problem) throw hostile('TORRENT_BAD_PATH', `file path ${JSON.stringify(p)} contains ${problem}`, p);
  }
  return segments;
}

/**
 * Decodes an untrusted torrent path (raw UTF-8 segments) into 'a/ab/Name.jpg', throwing
 * TORRENT_HOSTILE_PATH for anything that is not a list of plain names.
 */
export function untrustedPath(segments: readonly Uint8Array[]): string {
  const names: string[] = [];
  for (const raw of segments) {
    let s: string;
    try {
      s = UTF8.decode(raw);
    } catch {
      throw hostile('TORRENT_HOSTILE_PATH', 'torrent path segment is not valid UTF-8', Buffer.from(raw).toString('hex'));
    }
    const problem = segmentProblem(s);
    if (problem) throw hostile('TORRENT_HOSTILE_PATH', `torrent path contains ${problem}`, [...names, s].join('/'));
    names.push(s);
  }
  if (names.length === 0) throw hostile('TORRENT_HOSTILE_PATH', 'torrent file has an empty path', '');
  const joined = names.join('/');
  // Belt and braces: whatever the rules above miss, the joined path must stay under its root.
  // (Backslashes are refused above, so Windows separators cannot sneak in either.)
  const root = '/root';
  if (!path.posix.resolve(root, joined).startsWith(`${root}/`)) {
    throw hostile('TORRENT_HOSTILE_PATH', `torrent path ${JSON.stringify(joined)} escapes its folder`, joined);
  }
  return joined;
}

/**
 * Throws when two files share a path or a file sits where another file's folder is, since
 * either would make one file overwrite another on disk.
 */
export function assertNoPathConflicts(paths: readonly string[], code: 'TORRENT_BAD_PATH' | 'TORRENT_HOSTILE_PATH'): void {
  const files = new Set<string>();
  const dirs = new Set<string>();
  for (const p of paths) {
    if (files.has(p) || dirs.has(p)) throw hostile(code, `two entries claim the path ${JSON.stringify(p)}`, p);
    files.add(p);
    for (let i = p.indexOf('/'); i !== -1; i = p.indexOf('/', i + 1)) {
      const dir = p.slice(0, i);
      if (files.has(dir)) throw hostile(code, `${JSON.stringify(dir)} is both a file and a folder`, p);
      dirs.add(dir);
    }
  }
}
