/**
 * Bodies of the catalogue's read API (no token): sets, versions, pointers, volumes, swarms and
 * file lookups. Response objects are not strict, so a newer catalogue may add fields without
 * breaking older clients; the fields listed here are the contract.
 */
import { z } from 'zod';
import { pointerSchema } from '../formats/pointer.ts';
import { countSchema, hex40Schema, hex64Schema, setIdSchema, sha1ParamSchema, unixMsQuerySchema, unixMsSchema, versionNumberSchema } from './params.ts';

/** GET /healthz */
export const healthSchema = z.object({ ok: z.literal(true) });
export type HealthBody = z.output<typeof healthSchema>;

/** One registered set. */
export const setRecordSchema = z.object({
  id: setIdSchema,
  title: z.string(),
  description: z.string(),
  tags: z.array(z.string()),
  /** The ed25519 public key (hex) every version must be signed with. */
  publicKey: hex64Schema,
  previousKeys: z.array(z.object({ publicKey: hex64Schema, replacedAt: unixMsSchema })),
  copyTarget: z.number().int().positive(),
  /** Highest published version (0 before the first). */
  latestVersion: countSchema,
  registeredAt: unixMsSchema,
  updatedAt: unixMsSchema,
});
export type SetRecordBody = z.output<typeof setRecordSchema>;

/** One published set version (without its large texts). */
export const versionRecordSchema = z.object({
  setId: setIdSchema,
  version: versionNumberSchema,
  manifestSha256: hex64Schema,
  publishedAt: unixMsSchema,
  /** The build time the manifest states (ISO 8601). */
  builtAt: z.string(),
  metadataInfoHash: hex40Schema,
  pointer: pointerSchema,
  volumes: z.array(hex40Schema),
  totals: z.object({ files: countSchema, bytes: countSchema }),
  changes: z.object({ added: countSchema, removed: countSchema, changed: countSchema, renamed: countSchema, pagesUpdated: countSchema }),
  parent: z.object({ version: versionNumberSchema, manifestSha256: hex64Schema }).nullable(),
});
export type VersionRecordBody = z.output<typeof versionRecordSchema>;

/** A set with its latest version, as lists show it. */
export const setSummarySchema = setRecordSchema.extend({ latest: versionRecordSchema.nullable() });
export type SetSummaryBody = z.output<typeof setSummarySchema>;

/** One volume torrent. */
export const volumeRecordSchema = z.object({
  infoHash: hex40Schema,
  setId: setIdSchema,
  versions: z.array(z.object({ setId: setIdSchema, version: versionNumberSchema })),
  prefix: z.string(),
  size: countSchema,
  files: countSchema,
  pieceLength: z.number().int().positive(),
  pieces: countSchema,
});
export type VolumeRecordBody = z.output<typeof volumeRecordSchema>;

/** Live tracker counts of one torrent. */
export const swarmCountsSchema = z.object({ infoHash: hex40Schema, complete: countSchema, incomplete: countSchema, downloaded: countSchema.optional() });
/** One sample of a swarm's counts. */
export const swarmSampleSchema = z.object({ infoHash: hex40Schema, time: unixMsSchema, complete: countSchema, incomplete: countSchema });
/** One set version's copy of a file. */
export const fileLocationSchema = z.object({
  sha1: hex40Schema,
  setId: setIdSchema,
  version: versionNumberSchema,
  /** "File:Name.jpg" */
  title: z.string(),
  /** Commons layout path inside the volume, "a/ab/Name.jpg". */
  path: z.string(),
  size: countSchema,
  volume: hex40Schema,
});

/** Sets per page of GET /api/sets unless `limit` says otherwise, and the most a page may ask for. */
export const DEFAULT_SET_PAGE_LIMIT = 100;
export const MAX_SET_PAGE_LIMIT = 1_000;
/** A set id's longest form (the slug rule in params.ts). */
const MAX_SET_ID_CHARS = 63;
const AFTER_MESSAGE = 'one set id, the `next` of the previous page';
const LIMIT_MESSAGE = `a whole number of sets from 1 to ${MAX_SET_PAGE_LIMIT} (default ${DEFAULT_SET_PAGE_LIMIT})`;

/**
 * Query of GET /api/sets: `limit` sets a page, starting after the set id `after` (sets are in
 * id order). Strings, as a query string carries them: "1e2", " 5", "0x10" or a repeated key are
 * refused rather than guessed at.
 */
export const setListQuerySchema = z.object({
  limit: z
    .string({ error: LIMIT_MESSAGE })
    .regex(/^[0-9]{1,7}$/, LIMIT_MESSAGE)
    .transform(Number)
    .pipe(z.number().min(1, LIMIT_MESSAGE).max(MAX_SET_PAGE_LIMIT, LIMIT_MESSAGE))
    .optional(),
  /** The `next` of the previous page: a set id. */
  after: z
    .string({ error: AFTER_MESSAGE })
    .max(MAX_SET_ID_CHARS, `${AFTER_MESSAGE}: at most ${MAX_SET_ID_CHARS} characters`)
    .pipe(setIdSchema)
    .optional(),
});
export type SetListQuery = z.output<typeof setListQuerySchema>;

/** GET /api/sets: one page of sets in id order. */
export const setListSchema = z.object({
  sets: z.array(setSummarySchema),
  /**
   * Pass as `after` for the next page; null on the last page. Absent from catalogues older than
   * paging, which answer every set at once: a client reads that as the last page.
   */
  next: setIdSchema.nullable().optional(),
});
export type SetListBody = z.output<typeof setListSchema>;
/** GET /api/sets/:id */
export const setDetailSchema = z.object({ set: setRecordSchema, versions: z.array(versionRecordSchema) });
export type SetDetailBody = z.output<typeof setDetailSchema>;
/** GET /api/sets/:id/pointer: the signed pointer itself. */
export const pointerBodySchema = pointerSchema;
/**
 * A volume of the previous version that a version no longer lists. Every volume torrent is named
 * `commons`, so a stock client holding both versions keeps them in one tree: `conflicts` are the
 * paths it would overwrite with the new bytes (remove the old torrent, keeping its files).
 */
export const supersededVolumeSchema = z.object({
  infoHash: hex40Schema,
  prefix: z.string(),
  /** The version's volumes that took over its files (empty when its files left the set). */
  supersededBy: z.array(hex40Schema),
  /** Paths both hold with different SHA-1 (the first 1,000; `conflictCount` counts them all). */
  conflicts: z.array(z.object({ path: z.string(), oldSha1: hex40Schema, newSha1: hex40Schema, volume: hex40Schema })),
  conflictCount: countSchema,
});
export type SupersededVolumeBody = z.output<typeof supersededVolumeSchema>;
/** What a version supersedes of the version before it. */
export const supersessionSchema = z.object({
  /** The version it replaces; null for a first version. */
  previousVersion: versionNumberSchema.nullable(),
  volumes: z.array(supersededVolumeSchema),
});
export type SupersessionBody = z.output<typeof supersessionSchema>;

/** GET /api/sets/:id/versions/:version (`supersedes`: absent from catalogues older than it). */
export const versionDetailSchema = z.object({ version: versionRecordSchema, volumes: z.array(volumeRecordSchema), supersedes: supersessionSchema.optional() });
export type VersionDetailBody = z.output<typeof versionDetailSchema>;
/** A later version of a set that no longer lists a volume, and the volumes that replaced it there. */
export const supersededBySchema = z.object({ setId: setIdSchema, version: versionNumberSchema, supersededBy: z.array(hex40Schema), conflictCount: countSchema });
/** GET /api/volumes/:ih (`supersededBy`: absent from catalogues older than it; empty while every set's latest version lists it). */
export const volumeDetailSchema = z.object({ volume: volumeRecordSchema, swarm: swarmCountsSchema, supersededBy: z.array(supersededBySchema).optional() });
export type VolumeDetailBody = z.output<typeof volumeDetailSchema>;
/** GET /api/swarms/:ih */
export const swarmDetailSchema = z.object({ live: swarmCountsSchema, history: z.array(swarmSampleSchema) });
export type SwarmDetailBody = z.output<typeof swarmDetailSchema>;
/** GET /api/files */
export const fileListSchema = z.object({ files: z.array(fileLocationSchema) });
export type FileListBody = z.output<typeof fileListSchema>;

/** Query of GET /api/swarms/:ih: a time window of the history, Unix ms. */
export const swarmQuerySchema = z.object({ since: unixMsQuerySchema, until: unixMsQuerySchema });
export type SwarmQuery = z.input<typeof swarmQuerySchema>;
/** Query of GET /api/files: by SHA-1 or by title. */
export const fileQuerySchema = z.union([z.object({ sha1: sha1ParamSchema }), z.object({ title: z.string().min(1).max(512) })]);
export type FileQuery = z.input<typeof fileQuerySchema>;
