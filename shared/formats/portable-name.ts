/**
 * Which stored file names a stock BitTorrent client on any common OS can write exactly as
 * Commons stores them, so that it can seed a volume in place from a mirror of the upload
 * folder. A name is unportable when any of these holds:
 *
 * 1. it contains a character Windows forbids in names: `<` `>` `:` `"` `\` `|` `?` `*`
 *    (Transmission 3.00 on Linux rewrites each to `_` as well; `?` and `"` are legal in
 *    Commons titles, `:` and `\` in old uploads);
 * 2. it contains a control character (U+0000 to U+001F);
 * 3. it starts or ends with a space, or ends with a dot (Windows and Transmission strip them);
 * 4. its part before the first dot (trailing spaces aside) is a Windows device name (CON, PRN, AUX, NUL, COM0 to COM9,
 *    LPT0 to LPT9, and COM/LPT with a superscript 1, 2 or 3), in any case: `Nul.jpg`
 *    (Transmission writes `Nul_.jpg`);
 * 5. it is longer than 255 bytes in UTF-8 (the name limit of ext4, NTFS and APFS alike);
 * 6. another name of the same set, in the same folder, differs from it only by letter case or
 *    by Unicode normalisation (NFC against NFD): the two land on one file on the
 *    case-insensitive disks of Windows and macOS. Every member of such a group is unportable.
 *
 * Rules 1 to 4 were checked against transmission-daemon 3.00, which rewrites exactly those
 * names. Everything else (`#`, `%`, `&`, non-Latin letters, emoji) is written as is.
 */
import { posix } from 'node:path';

/** Why a stored name is unportable, one word per rule above. */
export type NameProblem = 'reserved-character' | 'control-character' | 'edge-space-or-dot' | 'device-name' | 'too-long' | 'case-or-normalisation-twin';

/** One line per problem, for pages and logs. */
export const NAME_PROBLEM_TEXT: Record<NameProblem, string> = {
  'reserved-character': 'a character Windows forbids and Transmission rewrites (< > : " \\ | ? *)',
  'control-character': 'a control character',
  'edge-space-or-dot': 'a leading or trailing space, or a trailing dot',
  'device-name': 'a Windows device name (CON, NUL, COM1…)',
  'too-long': 'longer than 255 bytes',
  'case-or-normalisation-twin': 'another name in its folder differs only by case or Unicode normalisation',
};

const RESERVED_CHARACTER = /[<>:"\\|?*]/;
const CONTROL_CHARACTER = /[\u0000-\u001f]/;
const DEVICE_NAME = /^(con|prn|aux|nul|(com|lpt)[0-9\u00b9\u00b2\u00b3])$/i;
/** The longest name ext4, NTFS and APFS all accept, in bytes of UTF-8. */
const MAX_NAME_BYTES = 255;

/** The problems of one stored name on its own (rules 1 to 5), empty when it is portable. */
export function nameProblems(name: string): NameProblem[] {
  const problems: NameProblem[] = [];
  if (RESERVED_CHARACTER.test(name)) problems.push('reserved-character');
  if (CONTROL_CHARACTER.test(name)) problems.push('control-character');
  if (name.startsWith(' ') || name.endsWith(' ') || name.endsWith('.')) problems.push('edge-space-or-dot');
  if (DEVICE_NAME.test(name.split('.')[0]!.trimEnd())) problems.push('device-name');
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) problems.push('too-long');
  return problems;
}

/** The key under which case-insensitive, normalisation-insensitive disks file a path. */
function foldedPath(storedPath: string): string {
  return storedPath.normalize('NFD').toLowerCase().normalize('NFC');
}

/**
 * The unportable paths among a set's stored paths (`a/ab/Name.jpg`), each with its problems,
 * all six rules applied: a path absent from the result is portable.
 */
export function unportablePaths(paths: Iterable<string>): Map<string, NameProblem[]> {
  const list = Array.isArray(paths) ? (paths as string[]) : [...paths];
  return unportablePathsAt(list.length, (i) => list[i]!);
}

/**
 * {@link unportablePaths} over `count` paths read by index, twice: the twin check first keeps
 * a 64-bit hash of each folded path in typed arrays (16 bytes a path, where a map of every
 * folded path cost about 200 MB at a million files), and folds again only the paths whose hash
 * another shares.
 */
export function unportablePathsAt(count: number, pathAt: (i: number) => string): Map<string, NameProblem[]> {
  const found = new Map<string, NameProblem[]>();
  const hi = new Uint32Array(count);
  const lo = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const p = pathAt(i);
    const problems = nameProblems(posix.basename(p));
    if (problems.length > 0) found.set(p, problems);
    const key = foldedPath(p);
    hi[i] = fnv1a(key, FNV_OFFSET);
    lo[i] = fnv1a(key, FNV_OFFSET_2);
  }
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  order.sort((a, b) => hi[a]! - hi[b]! || lo[a]! - lo[b]!);
  // Paths whose hash another path shares: the only ones that can be twins (and a few innocent collisions).
  const candidate = new Uint8Array(count);
  for (let k = 1; k < count; k++) {
    const a = order[k - 1]!;
    const b = order[k]!;
    if (hi[a] === hi[b] && lo[a] === lo[b]) candidate[a] = candidate[b] = 1;
  }
  // A lone path is kept as itself, not in an array: twins are rare, and a million arrays are not.
  const byFold = new Map<string, string | string[]>();
  for (let i = 0; i < count; i++) {
    if (candidate[i] === 0) continue;
    const p = pathAt(i);
    const key = foldedPath(p);
    const group = byFold.get(key);
    if (group === undefined) byFold.set(key, p);
    else if (typeof group === 'string') byFold.set(key, [group, p]);
    else group.push(p);
  }
  for (const group of byFold.values()) {
    if (typeof group === 'string' || new Set(group).size < 2) continue;
    for (const p of group) found.set(p, [...(found.get(p) ?? []), 'case-or-normalisation-twin']);
  }
  return found;
}

/** FNV-1a's 32-bit offset basis, and a second basis for an independent second half of the hash. */
const FNV_OFFSET = 0x811c9dc5;
const FNV_OFFSET_2 = 0x050c5d1f;
const FNV_PRIME = 0x01000193;

/** 32-bit FNV-1a over a string's UTF-16 code units. */
function fnv1a(s: string, basis: number): number {
  let h = basis;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}
