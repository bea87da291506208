import { z } from 'zod';
import { canonicalJson, sha256Hex } from '../canonical-json.ts';
import { SeedbankError } from '../errors.ts';
import { isApartPrefix } from './volume-rule.ts';

/**
 * Every manifest format this code reads, oldest first; the last is the one it writes. What
 * each format adds is checked in FORMAT_RULES below, the one place a new format is added.
 * /1: the first layout. /2: unportable names kept in volumes of their own (`u` prefixes,
 * `portable` on each volume). /3, the split manifest for sets of any size, has its own module
 * (split-manifest.ts): its top manifest has no file records, so it is not a {@link Manifest}.
 */
export const MANIFEST_FORMATS = ['seedbank-manifest/1', 'seedbank-manifest/2'] as const;
export type ManifestFormat = (typeof MANIFEST_FORMATS)[number];
/** Format tag of every manifest this code writes. */
export const MANIFEST_FORMAT = 'seedbank-manifest/2' satisfies ManifestFormat;

/** A leaf of the volume rule: MD5 bits, after a `u` for the trie of unportable names (/2). */
const LEAF = /^u?[01]*$/;
const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`));

/** One media file of a set version. */
export const manifestFileSchema = z.strictObject({
  title: z.string().min(1),
  path: z.string().min(1),
  size: z.number().int().nonnegative(),
  sha1: hex(20),
  mime: z.string(),
  uploadTimestamp: z.string(),
  pageId: z.number().int(),
  revisionId: z.number().int(),
  license: z.string().nullable(),
  author: z.string().nullable(),
  categories: z.array(z.string()),
  coordinates: z.strictObject({ lat: z.number(), lon: z.number() }).nullable(),
  volume: hex(20),
});

/** One volume: a torrent of media in the Commons layout. */
export const manifestVolumeSchema = z.strictObject({
  infoHash: hex(20),
  /**
   * The stable assignment rule: files whose name's MD5 starts with these bits; from /2 on, a
   * leading `u` marks the volumes that keep unportable names apart.
   */
  prefix: z.string().regex(LEAF),
  pieceLength: z.number().int().positive(),
  pieces: z.number().int().nonnegative(),
  size: z.number().int().nonnegative(),
  files: z.number().int().nonnegative(),
  torrent: z.string(),
  /**
   * From /2 on: false for a volume of unportable names (see portable-name.ts), true for every
   * other, which any client on any OS can seed in place from a Commons tree. Absent in /1,
   * whose volumes mix both kinds.
   */
  portable: z.boolean().optional(),
});

export const manifestSchema = z.strictObject({
  format: z.enum(MANIFEST_FORMATS),
  set: z.strictObject({
    id: z.string(),
    title: z.string(),
    description: z.string(),
    tags: z.array(z.string()),
    copyTarget: z.number().int().positive(),
    publicKey: hex(32),
  }),
  version: z.number().int().positive(),
  recipe: z.record(z.string(), z.unknown()),
  source: z.strictObject({
    wiki: z.string(),
    siteName: z.string(),
    generator: z.string(),
    uploadBase: z.string(),
    articleUrl: z.string(),
  }),
  snapshot: z.strictObject({
    builtAt: z.string(),
    maxRevisionId: z.number().int(),
    maxLogId: z.number().int(),
    dumpRun: z.string(),
    /** Set when the version was listed from a dump run (seedbank build --dumps): that run and its highest revision id. */
    fromDump: z.strictObject({ wiki: z.string(), run: z.string().regex(/^\d{8}$/), maxRevisionId: z.number().int() }).optional(),
  }),
  parent: z.strictObject({ version: z.number().int(), manifestSha256: hex(32) }).nullable(),
  files: z.array(manifestFileSchema),
  volumes: z.array(manifestVolumeSchema),
  /** Every leaf of the volume rule, empty ones included, so the next version starts from them. */
  volumeLayout: z.array(z.string().regex(LEAF)),
  changes: z.strictObject({
    added: z.array(z.string()),
    removed: z.array(z.string()),
    changed: z.array(z.string()),
    renamed: z.array(z.strictObject({ from: z.string(), to: z.string() })),
    /** Files whose bytes did not change but whose description page did (text, categories). */
    pagesUpdated: z.array(z.string()),
  }),
  skipped: z.array(z.strictObject({ title: z.string(), reason: z.string() })),
  pages: z.strictObject({ file: z.string(), sha256: hex(32), size: z.number().int(), count: z.number().int() }),
  totals: z.strictObject({ files: z.number().int(), bytes: z.number().int() }),
});

export type Manifest = z.output<typeof manifestSchema>;
export type ManifestFile = z.output<typeof manifestFileSchema>;
export type ManifestVolume = z.output<typeof manifestVolumeSchema>;
export type ManifestChanges = Manifest['changes'];

/**
 * What each format requires beyond the common schema, as problems found; the common schema
 * is their union, so a manifest of any readable format parses into one shape (and serialises
 * back to its own bytes, which its signature and its children's parent hash need).
 */
const FORMAT_RULES: Record<ManifestFormat, (m: Manifest) => string[]> = {
  'seedbank-manifest/1': (m) => [
    ...m.volumes.filter((v) => v.portable !== undefined).map((v) => `volume ${v.infoHash} has "portable", which /1 does not know`),
    ...[...m.volumes.map((v) => v.prefix), ...m.volumeLayout].filter(isApartPrefix).map((p) => `prefix "${p}" is a /2 prefix`),
  ],
  'seedbank-manifest/2': (m) => m.volumes
    .filter((v) => v.portable !== !isApartPrefix(v.prefix))
    .map((v) => `volume ${v.infoHash} (prefix "${v.prefix}") must have portable: ${!isApartPrefix(v.prefix)}`),
};

/** The manifest's bytes as written to disk: canonical JSON plus a final newline. */
export function serializeManifest(manifest: Manifest): string {
  return `${canonicalJson(manifest)}\n`;
}

/** The SHA-256 that parents, signatures and the catalogue refer to. */
export function manifestSha256(manifest: Manifest): string {
  return sha256Hex(serializeManifest(manifest));
}

/** Parses and validates manifest bytes from an untrusted source. */
export function parseManifest(text: string, source = 'manifest'): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new SeedbankError('MANIFEST_INVALID', `${source} is not JSON: ${(err as Error).message}`);
  }
  const format = (value as { format?: unknown } | null)?.format;
  if (format === 'seedbank-manifest/3') {
    throw new SeedbankError('MANIFEST_INVALID', `${source} is a split manifest (seedbank-manifest/3): its files are in per-volume lists`, {
      hint: 'read it with openVersionManifest (shared/formats/version-manifest.ts), which streams the lists',
    });
  }
  if (!MANIFEST_FORMATS.includes(format as ManifestFormat)) {
    throw new SeedbankError('MANIFEST_INVALID', `${source} has format ${JSON.stringify(format)}; this Seedbank reads ${[...MANIFEST_FORMATS, 'seedbank-manifest/3'].join(', ')}`, {
      hint: typeof format === 'string' && format.startsWith('seedbank-manifest/') ? 'it was written by a newer Seedbank: upgrade this one' : 'is this a Seedbank manifest.json?',
    });
  }
  const result = manifestSchema.safeParse(value);
  const problems = result.success
    ? FORMAT_RULES[result.data.format](result.data)
    : result.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`);
  if (!result.success || problems.length > 0) {
    throw new SeedbankError('MANIFEST_INVALID', `${source} is not a valid ${String(format)} manifest: ${problems.slice(0, 5).join('; ')}`, {
      hint: 'was it written by a newer Seedbank, or edited by hand?',
    });
  }
  return result.data;
}

/** The format tag a manifest text declares, read without parsing the rest (null when it has none). */
export function declaredFormat(text: string): string | null {
  const m = /"format":"(seedbank-manifest\/\d+)"/.exec(text.slice(0, 4096)) ?? /"format":"(seedbank-manifest\/\d+)"/.exec(text);
  return m ? m[1]! : null;
}
