/**
 * Bodies of the publish API (token): what is staged, what one upload stored, what a commit did.
 * Uploads themselves are raw bytes (PUT), named by {@link publishFileNameSchema}.
 */
import { z } from 'zod';
import { countSchema, hex40Schema, hex64Schema, setIdSchema, versionNumberSchema } from './params.ts';

/** The files of a set version a builder uploads, as the staging area names them. */
export const PUBLISH_FIXED_FILES = ['manifest.json', 'manifest.sig', 'pages.xml.gz', 'metadata.torrent', 'pointer.json'] as const;
/** The optional preview mosaic; older versions may lack it. */
export const PUBLISH_PREVIEW_FILE = 'preview.jpg';
/** Any name a builder may PUT: the fixed files, the preview, or `volumes/<infohash>.torrent`. */
export const publishFileNameSchema = z
  .string()
  .regex(
    /^(?:manifest\.json|manifest\.sig|pages\.xml\.gz|metadata\.torrent|pointer\.json|preview\.jpg|volumes\/[0-9a-f]{40}\.torrent)$/,
    'expected manifest.json, manifest.sig, pages.xml.gz, metadata.torrent, pointer.json, preview.jpg or volumes/<infohash>.torrent',
  );

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
