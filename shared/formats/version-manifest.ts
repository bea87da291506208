/**
 * One way to read a version's manifest whatever its format: a whole manifest (/1, /2: every
 * file record in manifest.json) or a split one (/3: the records in per-volume lists beside it).
 * Code that must hold at a million files reads files through {@link VersionManifest.filesOf} or
 * {@link VersionManifest.files}, which stream a split version's lists and check them against the
 * signed top manifest; small tools may still ask for the whole manifest.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { declaredFormat, parseManifest, type Manifest, type ManifestChanges, type ManifestFile, type ManifestVolume } from './manifest.ts';
import { parseSplitManifest, readAllLists, readChanges, readListFile, SPLIT_MANIFEST_FORMAT, type SplitManifest, type SplitVolume } from './split-manifest.ts';
import { sha256Hex } from '../canonical-json.ts';
import { SeedbankError } from '../errors.ts';

/** What every format's top manifest says: all but the file records, the change lists and the pages archive. */
export type ManifestHead = Omit<Manifest, 'format' | 'files' | 'changes' | 'pages' | 'volumes'> & {
  format: Manifest['format'] | typeof SPLIT_MANIFEST_FORMAT;
  volumes: ManifestVolume[];
};

/** A version's manifest, read from its folder. */
export interface VersionManifest {
  /** The manifest.json bytes (what the signature covers). */
  readonly text: string;
  readonly sha256: string;
  readonly head: ManifestHead;
  /** The whole manifest of a /1 or /2 version; null for a split one. */
  readonly whole: Manifest | null;
  /** The top manifest of a split (/3) version; null for a whole one. */
  readonly split: SplitManifest | null;
  /** The files of one volume, in title order; a split list is checked as it streams (throws at its end if altered). */
  filesOf(infoHash: string): AsyncIterable<ManifestFile>;
  /** Every file, volume by volume. */
  files(): AsyncIterable<ManifestFile>;
  /** The change lists against the parent. */
  changes(): Promise<ManifestChanges>;
}

/** Reads a manifest text (whole or split) whose parts, if any, are in `dir`. */
export function versionManifestOf(text: string, dir: string, source = 'manifest.json'): VersionManifest {
  const sha256 = sha256Hex(text);
  if (declaredFormat(text) === SPLIT_MANIFEST_FORMAT) {
    const split = parseSplitManifest(text, source);
    const byHash = new Map<string, SplitVolume>(split.volumes.map((v) => [v.infoHash, v]));
    return {
      text,
      sha256,
      head: headOf(split),
      whole: null,
      split,
      filesOf(infoHash) {
        const v = byHash.get(infoHash);
        if (!v) throw new SeedbankError('VOLUME_NOT_FOUND', `volume ${infoHash} is not in ${split.set.id} v${split.version}`);
        return readListFile(dir, v);
      },
      files: () => readAllLists(dir, split),
      changes: () => readChanges(dir, split.changes),
    };
  }
  const whole = parseManifest(text, source);
  return {
    text,
    sha256,
    head: headOf(whole),
    whole,
    split: null,
    async *filesOf(infoHash) {
      for (const f of whole.files) if (f.volume === infoHash) yield f;
    },
    async *files() {
      yield* whole.files;
    },
    changes: async () => whole.changes,
  };
}

/** Reads `<dir>/manifest.json` (and, for a split version, its parts as they are asked for). */
export async function openVersionManifest(dir: string, source?: string): Promise<VersionManifest> {
  const text = await readFile(path.join(dir, 'manifest.json'), 'utf8');
  return versionManifestOf(text, dir, source ?? path.join(dir, 'manifest.json'));
}

function headOf(m: Manifest | SplitManifest): ManifestHead {
  const volumes: ManifestVolume[] = m.volumes.map((v) => {
    const { list: _l, pages: _p, ...rest } = v as SplitVolume;
    return rest;
  });
  return {
    set: m.set, version: m.version, recipe: m.recipe, source: m.source, snapshot: m.snapshot, parent: m.parent,
    format: m.format, volumes, volumeLayout: m.volumeLayout, skipped: m.skipped, totals: m.totals,
  };
}

/** Collects an async iterable into an array (small volumes, tests). */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of items) out.push(x);
  return out;
}
