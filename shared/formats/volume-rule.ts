import { createHash } from 'node:crypto';
import { SeedbankError } from '../errors.ts';

/** Below this share of the size limit, two sibling volumes merge back into one. */
const MERGE_BELOW_SHARE = 0.25;
/** An MD5 has 128 bits: no prefix can be longer. */
const MAX_PREFIX_BITS = 128;
/** The bits of a name's MD5 the rule reads (nameBits): 64 tell apart more files than any set holds. */
const NAME_BITS = 64;

/** The bits of the MD5 of a stored file name, as a string of 0 and 1 (first 64 bits suffice). */
export function nameBits(fileName: string): string {
  const md5 = createHash('md5').update(fileName, 'utf8').digest();
  let bits = '';
  for (let i = 0; i < NAME_BITS / 8; i++) bits += md5[i]!.toString(2).padStart(8, '0');
  return bits;
}

/** The input the rule needs of a file. */
export interface RuleFile {
  name: string;
  size: number;
}

/**
 * The stable rule that assigns files to volumes. Volumes are the leaves of a binary trie
 * on the MD5 of the file name (the same hash that makes Commons' `a/ab/` folders), so a
 * file's volume depends only on its name and the trie. A new version starts from the
 * parent's leaves and only splits a leaf that outgrew the size limit or holds more than
 * `limitFiles` files (or merges two siblings that both shrank far below both limits), so the
 * volumes whose files did not change keep their info hash.
 * Returns the leaves in order, each with its files (possibly none).
 */
export function assignVolumes<F extends RuleFile>(
  files: F[],
  limitBytes: number,
  parentLeaves: string[] | null,
  limitFiles = Infinity,
): Array<{ prefix: string; files: F[] }> {
  const leaves = assignVolumeIndices({ count: files.length, nameOf: (i) => files[i]!.name, sizeOf: (i) => files[i]!.size }, limitBytes, parentLeaves, limitFiles);
  return leaves.map(({ prefix, members }) => ({ prefix, files: members.map((i) => files[i]!) }));
}

/** Files as the rule reads them, by index: a compact file table need not make an object per file. */
export interface RuleFiles {
  count: number;
  nameOf(i: number): string;
  sizeOf(i: number): number;
}

/** {@link assignVolumes} over file indices: the leaves in order, each with the indices of its files. */
export function assignVolumeIndices(input: RuleFiles, limitBytes: number, parentLeaves: string[] | null, limitFiles = Infinity): Array<{ prefix: string; members: number[] }> {
  // The trie holds file indices, and each name's first 64 MD5 bits are two 32-bit words: a
  // string of 64 characters per file would cost a million-file set about 100 MB here.
  const hi = new Uint32Array(input.count);
  const lo = new Uint32Array(input.count);
  const size = new Float64Array(input.count);
  for (let i = 0; i < input.count; i++) {
    size[i] = input.sizeOf(i);
    const md5 = createHash('md5').update(input.nameOf(i), 'utf8').digest();
    hi[i] = md5.readUInt32BE(0);
    lo[i] = md5.readUInt32BE(4);
  }
  // Bit k of file i's name hash, as nameBits spells it ('0' or '1'); past the 64 bits, '1' (as nameBits(...)[k] !== '0').
  const bit = (i: number, k: number): string => (k >= NAME_BITS ? '1' : ((k < 32 ? hi[i]! >>> (31 - k) : lo[i]! >>> (63 - k)) & 1) === 1 ? '1' : '0');
  const sizeOf = (members: number[]): number => {
    let sum = 0;
    for (const i of members) sum += size[i]!;
    return sum;
  };
  let leaves = new Map<string, number[]>();
  for (const p of validLeaves(parentLeaves)) leaves.set(p, []);
  for (let i = 0; i < input.count; i++) leafFor(leaves, i, bit).push(i);

  // Split what outgrew the limit, deepest-first is not needed: repeat until stable.
  let changed = true;
  while (changed) {
    changed = false;
    for (const [prefix, members] of leaves) {
      if ((sizeOf(members) <= limitBytes && members.length <= limitFiles) || members.length <= 1 || prefix.length >= MAX_PREFIX_BITS) continue;
      const zero: number[] = [];
      const one: number[] = [];
      for (const i of members) (bit(i, prefix.length) === '0' ? zero : one).push(i);
      leaves.delete(prefix);
      leaves.set(`${prefix}0`, zero);
      leaves.set(`${prefix}1`, one);
      changed = true;
    }
  }
  // Merge siblings that both shrank far below the limits (hysteresis: a quarter, not a half);
  // the file limit is checked too, or a merge would undo a split made for the file count.
  changed = true;
  while (changed) {
    changed = false;
    for (const prefix of [...leaves.keys()]) {
      if (!prefix.endsWith('0')) continue;
      const sibling = `${prefix.slice(0, -1)}1`;
      const a = leaves.get(prefix);
      const b = leaves.get(sibling);
      if (!a || !b || sizeOf(a) + sizeOf(b) > limitBytes * MERGE_BELOW_SHARE || a.length + b.length > limitFiles * MERGE_BELOW_SHARE) continue;
      leaves.delete(prefix);
      leaves.delete(sibling);
      leaves.set(prefix.slice(0, -1), [...a, ...b]);
      changed = true;
    }
  }
  leaves = new Map([...leaves.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
  return [...leaves.entries()].map(([prefix, members]) => ({ prefix, members }));
}

/**
 * Marks the leaves of the second trie, which holds the files whose stored names are not
 * portable (see portable-name.ts): `u` then the same MD5 bits, so `u` alone is its root.
 */
export const APART_MARK = 'u';

/** True for a leaf (volume prefix) of the second trie, the one that keeps unportable names apart. */
export function isApartPrefix(prefix: string): boolean {
  return prefix.startsWith(APART_MARK);
}

/**
 * The volume rule with unportable names kept apart: files for which `apart` holds go into a
 * trie of their own, whose leaves carry the prefix `u`, and every other file into the main
 * trie. Each trie grows from its own leaves of the parent layout (a parent without `u` leaves
 * starts the second trie at its root), so the main trie's volumes that held no unportable
 * name keep their files, and with them their info hash. Returns the main trie's leaves, then
 * the second's, each with `portable` saying which trie it is from.
 */
export function assignVolumesApart<F extends RuleFile>(
  files: F[],
  limitBytes: number,
  parentLeaves: string[] | null,
  apart: (file: F) => boolean,
  limitFiles = Infinity,
): Array<{ prefix: string; files: F[]; portable: boolean }> {
  const leaves = assignVolumeIndicesApart({ count: files.length, nameOf: (i) => files[i]!.name, sizeOf: (i) => files[i]!.size }, limitBytes, parentLeaves, (i) => apart(files[i]!), limitFiles);
  return leaves.map(({ prefix, members, portable }) => ({ prefix, files: members.map((i) => files[i]!), portable }));
}

/** {@link assignVolumesApart} over file indices: each leaf with the indices of its files. */
export function assignVolumeIndicesApart(
  input: RuleFiles,
  limitBytes: number,
  parentLeaves: string[] | null,
  apart: (i: number) => boolean,
  limitFiles = Infinity,
): Array<{ prefix: string; members: number[]; portable: boolean }> {
  const main: number[] = [];
  const kept: number[] = [];
  for (let i = 0; i < input.count; i++) (apart(i) ? kept : main).push(i);
  const of = (subset: number[]): RuleFiles => ({ count: subset.length, nameOf: (k) => input.nameOf(subset[k]!), sizeOf: (k) => input.sizeOf(subset[k]!) });
  const parentMain = parentLeaves?.filter((p) => !isApartPrefix(p)) ?? null;
  const parentApart = parentLeaves?.filter(isApartPrefix).map((p) => p.slice(APART_MARK.length)) ?? null;
  return [
    ...assignVolumeIndices(of(main), limitBytes, parentMain, limitFiles).map((l) => ({ prefix: l.prefix, members: l.members.map((k) => main[k]!), portable: true })),
    ...assignVolumeIndices(of(kept), limitBytes, parentApart, limitFiles).map((l) => ({ prefix: `${APART_MARK}${l.prefix}`, members: l.members.map((k) => kept[k]!), portable: false })),
  ];
}

function leafFor(leaves: Map<string, number[]>, file: number, bit: (i: number, k: number) => string): number[] {
  let prefix = '';
  for (let n = 0; n <= NAME_BITS; n++) {
    const hit = leaves.get(prefix);
    if (hit) return hit;
    if (n < NAME_BITS) prefix += bit(file, n);
  }
  throw new SeedbankError('INTERNAL', `no volume covers name bits ${prefix.slice(0, 16)}…`);
}

/** The parent's leaves if they form a complete prefix code, otherwise the single root leaf. */
function validLeaves(parent: string[] | null): string[] {
  if (!parent || parent.length === 0) return [''];
  // Kraft sum of a complete prefix code is exactly 1; anything else is ignored, not trusted.
  let kraft = 0;
  for (const p of parent) kraft += 2 ** -p.length;
  const unique = new Set(parent).size === parent.length;
  const prefixFree = parent.every((p) => parent.every((q) => q === p || !q.startsWith(p)));
  return Math.abs(kraft - 1) < 1e-12 && unique && prefixFree ? parent : [''];
}
