import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { SeedbankError } from '../errors.ts';
import { parseSize } from '../units.ts';

/** Where a recipe lists from when it names no wiki. */
export const COMMONS_API_URL = 'https://commons.wikimedia.org/w/api.php';
/** Default copy target: how many independent copies the network should keep. */
export const DEFAULT_COPY_TARGET = 3;
/** Default piece length: 1 MiB suits sets of photographs of a few MB each. */
export const DEFAULT_PIECE_LENGTH_BYTES = 2 ** 20;
/** Default volume size limit: small enough for a volunteer's disk, large enough to keep torrents few. */
export const DEFAULT_VOLUME_LIMIT_BYTES = 4 * 2 ** 30;
/** Most files a volume holds before it splits: bounds each volume's file list and pages archive (about 5 MB of list at 10,000 files). */
export const DEFAULT_VOLUME_FILE_LIMIT = 10_000;
/** Deepest category recursion a recipe may ask for; deeper trees on Commons reach everything. */
export const MAX_CATEGORY_DEPTH = 10;
const MIN_PIECE_LENGTH_BYTES = 16 * 2 ** 10;
const MAX_PIECE_LENGTH_BYTES = 64 * 2 ** 20;

const sizeField = (what: string) =>
  z.union([z.string(), z.number()]).transform((v, ctx) => {
    const bytes = parseSize(v);
    if (bytes === null || bytes <= 0) {
      ctx.addIssue({ code: 'custom', message: `${what} must be a size like "4GB", "512MiB" or a number of bytes` });
      return z.NEVER;
    }
    return bytes;
  });

const categoryName = z
  .string()
  .trim()
  .min(1)
  .transform((s) => s.replace(/^Category:/i, '').replace(/_/g, ' '));

const isoDate = z.iso.datetime({ offset: true }).or(z.iso.date());

/**
 * A shard: an inclusive range of MediaWiki's two-hex-digit upload folders (`a/ab`: the first two
 * hex digits of the MD5 of the file name), "a0-a7". Sixteen ranges of sixteen cover every file once.
 */
const shardSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[0-9a-f]{2}-[0-9a-f]{2}$/, 'shard must be a range of two-hex-digit upload folders, like "a0-a7" (00 to ff, inclusive)')
  .refine((s) => s.slice(0, 2) <= s.slice(3), { message: 'shard must run from the lower folder to the higher, like "a0-a7", not "a7-a0"' });

/** The folders (0-255) a shard range covers, inclusive; e.g. "a0-a7" → { first: 160, last: 167 }. */
export function shardRange(shard: string): { first: number; last: number } {
  return { first: parseInt(shard.slice(0, 2), 16), last: parseInt(shard.slice(3, 5), 16) };
}

/** Says whether a Commons path (`a/ab/Name.jpg`) lies in a shard range. */
export function inShard(commonsPath: string, range: { first: number; last: number }): boolean {
  const folder = parseInt(commonsPath.slice(2, 4), 16);
  return folder >= range.first && folder <= range.last;
}

const regionSchema = z.union([
  z.strictObject({
    bbox: z
      .strictObject({
        south: z.number().min(-90).max(90),
        west: z.number().min(-180).max(180),
        north: z.number().min(-90).max(90),
        east: z.number().min(-180).max(180),
      })
      .refine((b) => b.south < b.north, { message: 'bbox.south must be below bbox.north' }),
  }),
  z.strictObject({
    point: z.strictObject({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }),
    radiusMeters: z.number().positive().max(10_000_000),
  }),
]);

/** The schema of a set recipe (`sets/<id>.yaml` or `.json`). */
export const recipeSchema = z
  .strictObject({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'id must be a slug: lower-case letters, digits and hyphens, up to 63'),
    title: z.string().trim().min(1).max(200),
    description: z.string().default(''),
    tags: z.array(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'tags are lower-case slugs')).default([]),
    wiki: z.url({ protocol: /^https?$/ }).default(COMMONS_API_URL),
    selection: z
      .strictObject({
        categories: z
          .array(
            z.union([
              categoryName.transform((name) => ({ name, depth: 0 })),
              z.strictObject({ name: categoryName, depth: z.number().int().min(0).max(MAX_CATEGORY_DEPTH).default(0) }),
            ]),
          )
          .default([]),
        excludeCategories: z.array(categoryName).default([]),
        region: regionSchema.optional(),
        shard: shardSchema.optional(),
        /**
         * The files a wiki's pages use (its database name, `frwiki`; namespaces default to articles):
         * the media an offline reader of that wiki needs.
         */
        usedBy: z.strictObject({ wiki: z.string().regex(/^[a-z0-9_]+$/, 'usedBy.wiki is a database name like frwiki or commonswiki'), namespaces: z.array(z.number().int().min(0)).min(1).default([0]) }).optional(),
        mimeTypes: z.array(z.string().regex(/^[a-z]+\/[a-z0-9.+*-]+$/i, 'a mime type like image/jpeg or image/*')).default([]),
        uploaded: z.strictObject({ from: isoDate.optional(), to: isoDate.optional() }).optional(),
      })
      .refine((s) => s.categories.length > 0 || s.region !== undefined || s.shard !== undefined || s.usedBy !== undefined, {
        message: 'a selection needs at least one category, a region, a shard or usedBy',
      })
      .refine((s) => s.usedBy === undefined || (s.categories.length === 0 && s.region === undefined && s.shard === undefined), {
        message: 'usedBy selects by usage alone: drop categories, region and shard from a usedBy recipe (mimeTypes and uploaded still apply)',
      })
      .refine((s) => s.shard === undefined || (s.categories.length === 0 && s.region === undefined), {
        message: 'a shard selects by hash alone: drop categories and region from a shard recipe (mimeTypes and uploaded still apply)',
      }),
    volumeSizeLimit: sizeField('volumeSizeLimit').default(DEFAULT_VOLUME_LIMIT_BYTES),
    /** A volume also splits when it holds more files than this, so a set of a million small files has lists of bounded size. */
    volumeFileLimit: z.number().int().min(1).default(DEFAULT_VOLUME_FILE_LIMIT),
    pieceLength: sizeField('pieceLength')
      .refine((n) => (n & (n - 1)) === 0 && n >= MIN_PIECE_LENGTH_BYTES && n <= MAX_PIECE_LENGTH_BYTES, {
        message: 'pieceLength must be a power of two from 16KiB to 64MiB',
      })
      .default(DEFAULT_PIECE_LENGTH_BYTES),
    copyTarget: z.number().int().min(1).max(100).default(DEFAULT_COPY_TARGET),
  })
  .refine((r) => r.volumeSizeLimit >= r.pieceLength, {
    message: 'volumeSizeLimit must be at least one piece',
    path: ['volumeSizeLimit'],
  });

/** A validated recipe, with every default filled in. */
export type Recipe = z.output<typeof recipeSchema>;
export type Region = NonNullable<Recipe['selection']['region']>;

/** Validates a parsed recipe value; the error lists every bad field with its path. */
export function parseRecipe(value: unknown, source = 'recipe'): Recipe {
  const result = recipeSchema.safeParse(value);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    return `  - ${where}: ${issue.message}`;
  });
  throw new SeedbankError('RECIPE_INVALID', `${source} is not a valid recipe:\n${lines.join('\n')}`, {
    hint: 'fix the fields named above; see sets/paris.yaml for a complete example',
    context: { source, issues: result.error.issues.length },
  });
}

/** Reads and validates a recipe file (YAML or JSON). */
export async function loadRecipe(file: string): Promise<Recipe> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new SeedbankError('RECIPE_NOT_FOUND', `cannot read recipe ${file}: ${(err as Error).message}`, {
      hint: 'give the path of a recipe file, such as sets/paris.yaml',
      cause: err,
    });
  }
  let value: unknown;
  try {
    value = path.extname(file) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new SeedbankError('RECIPE_SYNTAX', `${file} is not valid ${path.extname(file) === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message}`, {
      hint: 'check the indentation and quoting at the position named',
      cause: err,
    });
  }
  const recipe = parseRecipe(value, file);
  const stem = path.basename(file).replace(/\.(ya?ml|json)$/, '');
  if (stem !== recipe.id) {
    throw new SeedbankError('RECIPE_INVALID', `${file} declares id "${recipe.id}" but its file name says "${stem}"`, {
      hint: `rename the file to ${recipe.id}${path.extname(file)} or change its id`,
    });
  }
  return recipe;
}
