// What the scale fixture holds, file by file, as a pure function of the file's index: its name,
// categories, description page and bytes. The bulk fill (scale-fill.ts) writes these into a
// real MediaWiki; the benchmark's synthetic dumps (bench/scale/synthetic-run.ts) write the same
// files as dump rows, so a million-file run needs no wiki and no list kept in memory.
import { encodeImage } from './images.ts';

/** The category tree: Paris, with three subcategories (names without the "Category:" prefix). */
export const SCALE_ROOT = 'Paris';
export const SCALE_SUBCATEGORIES = ['Monuments in Paris', 'Streets of Paris', 'Parks in Paris'] as const;
export const SCALE_CATEGORIES = [SCALE_ROOT, ...SCALE_SUBCATEGORIES] as const;
/** Every SECOND_CATEGORY_EVERY-th file is also in a second subcategory (a file listed twice must count once). */
const SECOND_CATEGORY_EVERY = 10;
/** Every LOCATION_EVERY-th file has a {{Location}} template. */
const LOCATION_EVERY = 3;
/** Smallest file and the spread above it: sizes run from 1 KiB to 3 KiB. */
const MIN_FILE_BYTES = 1024;
const FILE_BYTES_SPREAD = 2048;
/** Upload time of file 0; file i is i seconds later (a million files span under 12 days). */
const FIRST_UPLOAD_MS = Date.UTC(2024, 0, 1);
/** The base picture every file shares (a 16x12 JPEG, a few hundred bytes); files differ in a comment segment. */
export const SCALE_IMAGE = { width: 16, height: 12, seed: 4242 } as const;
/** The image row's metadata MediaWiki 1.39 writes for a JPEG without EXIF (copied from an importImages.php run). */
export const SCALE_IMAGE_METADATA = '{"data":{"MEDIAWIKI_EXIF_VERSION":2}}';

/** One file of the scale fixture. */
export interface ScaleFile {
  index: number;
  /** Stored name, underscores: "Paris_scale_0000042.jpg". */
  name: string;
  /** "File:Paris scale 0000042.jpg" */
  title: string;
  /** Category names without prefix, spaces. */
  categories: string[];
  /** The description page's wikitext. */
  text: string;
  /** MediaWiki timestamp, YYYYMMDDHHMMSS. */
  timestamp: string;
}

/** Names with the characters real titles have (apostrophes, accents, commas, parentheses), in turn. */
const NAME_PATTERNS: Array<(n: string) => string> = [
  (n) => `Paris scale ${n}.jpg`,
  (n) => `Rue d'Amsterdam (${n}).jpg`,
  (n) => `Café de Flore, vue ${n}.jpg`,
  (n) => `Jardin du Luxembourg — ${n}.jpg`,
];

/** MediaWiki's 14-digit timestamp for a time in ms since the epoch. */
export function mwTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** The i-th file of the fixture (deterministic: the same index gives the same file everywhere). */
export function scaleFile(i: number): ScaleFile {
  const n = String(i).padStart(7, '0');
  const spaced = NAME_PATTERNS[i % NAME_PATTERNS.length]!(n);
  const categories: string[] = [SCALE_CATEGORIES[i % SCALE_CATEGORIES.length]!];
  if (i % SECOND_CATEGORY_EVERY === 1) categories.push(SCALE_SUBCATEGORIES[(i >> 1) % SCALE_SUBCATEGORIES.length]!);
  const unique = [...new Set(categories)];
  const lines = [
    '== {{int:filedesc}} ==',
    `{{Information|description=Scale fixture photograph ${n}.|date=2024-01-01|source=Own work|author=[[User:Seedbank Fixtures|Seedbank Fixtures]]}}`,
  ];
  if (i % LOCATION_EVERY === 0) lines.push(`{{Location|${(48.8 + (i % 1000) / 10_000).toFixed(4)}|${(2.25 + (i % 997) / 5_000).toFixed(4)}}}`);
  lines.push('== {{int:license-header}} ==', '{{cc-by-sa-4.0}}', ...unique.map((c) => `[[Category:${c}]]`));
  return { index: i, name: spaced.replace(/ /g, '_'), title: `File:${spaced}`, categories: unique, text: lines.join('\n'), timestamp: mwTimestamp(FIRST_UPLOAD_MS + i * 1000) };
}

/** The base JPEG every fixture file is made from. */
export async function scaleBaseImage(): Promise<Buffer> {
  return encodeImage(SCALE_IMAGE.seed, { format: 'jpeg', width: SCALE_IMAGE.width, height: SCALE_IMAGE.height });
}

/** JPEG COM (comment) marker: decoders skip it, so every file stays a valid picture of the same size. */
const JPEG_COM = 0xfe;

/**
 * The bytes of file `i`: the base JPEG with a comment segment right after SOI that names the
 * file and pads it to 1-3 KiB, so every file is distinct, valid, and cheap to make.
 */
export function scaleFileBytes(base: Buffer, i: number): Buffer {
  const size = MIN_FILE_BYTES + ((i * 7919) % FILE_BYTES_SPREAD);
  const commentBytes = Math.max(16, size - base.length - 4);
  const comment = Buffer.alloc(commentBytes, 0x2e); // '.'
  comment.write(`Seedbank scale fixture file ${i} `, 'latin1');
  const out = Buffer.allocUnsafe(base.length + 4 + commentBytes);
  base.copy(out, 0, 0, 2); // SOI
  out[2] = 0xff;
  out[3] = JPEG_COM;
  out.writeUInt16BE(commentBytes + 2, 4);
  comment.copy(out, 6);
  base.copy(out, 6 + commentBytes, 2);
  return out;
}
