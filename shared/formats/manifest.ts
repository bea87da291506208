import { z } from 'zod';
import { canonicalJson, sha256Hex } from '../canonical-json.ts';
import { SeedbankError } from '../errors.ts';

/** Format tag of every manifest this code writes; a reader refuses other major formats. */
export const MANIFEST_FORMAT = 'seedbank-manifest/1';

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
  /** The stable assignment rule: files whose name's MD5 starts with these bits. */
  prefix: z.string().regex(/^[01]*$/),
  pieceLength: z.number().int().positive(),
  pieces: z.number().int().nonnegative(),
  size: z.number().int().nonnegative(),
  files: z.number().int().nonnegative(),
  torrent: z.string(),
});

export const manifestSchema = z.strictObject({
  format: z.literal(MANIFEST_FORMAT),
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
  volumeLayout: z.array(z.string().regex(/^[01]*$/)),
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
  const result = manifestSchema.safeParse(value);
  if (!result.success) {
    const first = result.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`);
    throw new SeedbankError('MANIFEST_INVALID', `${source} is not a valid ${MANIFEST_FORMAT} manifest: ${first.join('; ')}`, {
      hint: 'was it written by a newer Seedbank, or edited by hand?',
    });
  }
  return result.data;
}
