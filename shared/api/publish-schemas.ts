/**
 * Bodies of the publish API (token): what is staged, what one upload stored, what a commit did.
 * Uploads themselves are raw bytes (PUT), named by {@link publishFileNameSchema}.
 */
import { z } from 'zod';
import { countSchema, hex40Schema, hex64Schema, setIdSchema, versionNumberSchema } from './params.ts';

/** The files of a whole (/1, /2) set version a builder uploads, as the staging area names them. */
export const PUBLISH_FIXED_FILES = ['manifest.json', 'manifest.sig', 'pages.xml.gz', 'metadata.torrent', 'pointer.json'] as const;
/** The files every version needs, whatever its manifest format (a /3 version has no pages.xml.gz). */
export const PUBLISH_COMMON_FILES = ['manifest.json', 'manifest.sig', 'metadata.torrent', 'pointer.json'] as const;
/** The optional preview mosaic; older versions may lack it. */
export const PUBLISH_PREVIEW_FILE = 'preview.jpg';
/**
 * Every name a builder may PUT: the fixed files, the preview, `volumes/<infohash>.torrent`, and
 * the parts of a split (/3) version: `changes.ndjson`, `lists/<infohash>.ndjson`,
 * `pages/<infohash>.xml.gz`. Nothing else, so no name can reach outside the staging folder.
 */
export const PUBLISH_FILE_NAME = /^(?:manifest\.json|manifest\.sig|pages\.xml\.gz|metadata\.torrent|pointer\.json|preview\.jpg|changes\.ndjson|volumes\/[0-9a-f]{40}\.torrent|lists\/[0-9a-f]{40}\.ndjson|pages\/[0-9a-f]{40}\.xml\.gz)$/;
/** What {@link PUBLISH_FILE_NAME} accepts, in words (error messages and hints). */
export const PUBLISH_FILE_NAMES_TEXT =
  'manifest.json, manifest.sig, pages.xml.gz, metadata.torrent, pointer.json, preview.jpg, volumes/<infohash>.torrent, or for a split (/3) manifest changes.ndjson, lists/<infohash>.ndjson and pages/<infohash>.xml.gz';
/** Any name a builder may PUT (see {@link PUBLISH_FILE_NAME}). */
export const publishFileNameSchema = z.string().regex(PUBLISH_FILE_NAME, `expected ${PUBLISH_FILE_NAMES_TEXT}`);

/** One staged file. */
export const stagedFileSchema = z.object({ name: z.string(), size: countSchema, sha256: hex64Schema });
export type StagedFileBody = z.output<typeof stagedFileSchema>;

/** GET /api/publish/:set/:version: what is staged (to resume) and what is already published. */
export const publishStatusSchema = z.object({
  set: setIdSchema,
  version: versionNumberSchema,
  /** The published manifest's SHA-256, null when the version is not published. */
  published: hex64Schema.nullable(),
  staged: z.array(stagedFileSchema),
});
export type PublishStatusBody = z.output<typeof publishStatusSchema>;

/** PUT /api/publish/:set/:version/<file> answers the stored file (201). */
export const uploadAnswerSchema = stagedFileSchema;

/** POST /api/publish/:set/:version/commit: published (201) or identical to what was there (200). */
export const commitAnswerSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('published'), set: setIdSchema, version: versionNumberSchema, manifestSha256: hex64Schema, metadataInfoHash: hex40Schema, volumes: countSchema }),
  z.object({ status: z.literal('unchanged'), set: setIdSchema, version: versionNumberSchema, manifestSha256: hex64Schema, metadataInfoHash: hex40Schema }),
]);
export type CommitAnswerBody = z.output<typeof commitAnswerSchema>;
