// The preview mosaic of a set: a JPEG grid of square thumbnails made with sharp. Files sharp
// cannot read (a PDF, a broken SVG, a truncated JPEG) are skipped, since a preview must never
// fail a page, and the same inputs always give the same bytes so the image caches well.
import sharp from 'sharp';
import { SeedbankError } from './errors.ts';

/** Layout of the mosaic. */
export interface MosaicOptions {
  /** Side of each square thumbnail, in pixels. */
  tile: number;
  /** Thumbnails per row. */
  columns: number;
  /** Most thumbnails drawn; readable files after that are not even opened. */
  maxTiles: number;
  /** Space between thumbnails, in pixels. */
  gapPx?: number;
}

/** Space between thumbnails by default: enough to tell them apart, little enough to stay dense. */
const DEFAULT_GAP_PX = 2;
/** Behind the gaps and transparent images: a light neutral grey. */
const BACKGROUND = { r: 232, g: 235, b: 239 };
/** JPEG quality: thumbnails are small, so 80 is indistinguishable from higher and half the size. */
const JPEG_QUALITY = 80;
const RGB_CHANNELS = 3;

/** One square thumbnail as raw RGB pixels, or null when sharp cannot read the file. */
async function thumbnail(file: string, tile: number): Promise<Buffer | null> {
  try {
    return await sharp(file, { failOn: 'error' })
      .rotate() // honour EXIF orientation so portraits stand upright
      .resize(tile, tile, { fit: 'cover', position: 'centre' })
      .flatten({ background: BACKGROUND })
      .removeAlpha()
      .raw()
      .toBuffer();
  } catch {
    // Unreadable or unsupported input (PDF, broken SVG, missing file): leave it out of the preview.
    return null;
  }
}

function checkOptions(opts: MosaicOptions): void {
  for (const key of ['tile', 'columns'] as const) {
    if (!Number.isInteger(opts[key]) || opts[key] < 1) throw new SeedbankError('INTERNAL', `makeMosaic: ${key} must be a positive integer`);
  }
  if (!Number.isInteger(opts.maxTiles) || opts.maxTiles < 0) throw new SeedbankError('INTERNAL', 'makeMosaic: maxTiles must be a non-negative integer');
}

/** Makes a JPEG grid of thumbnails of the readable images among `imagePaths`, in their order. */
export async function makeMosaic(imagePaths: string[], opts: MosaicOptions): Promise<Buffer> {
  checkOptions(opts);
  const { tile, maxTiles } = opts;
  const gap = opts.gapPx ?? DEFAULT_GAP_PX;
  const tiles: Buffer[] = [];
  // One at a time, in input order: bounded memory, and the order (hence the bytes) is stable.
  for (const file of imagePaths) {
    if (tiles.length >= maxTiles) break;
    const pixels = await thumbnail(file, tile);
    if (pixels) tiles.push(pixels);
  }
  const columns = Math.min(opts.columns, Math.max(1, tiles.length));
  const rows = Math.max(1, Math.ceil(tiles.length / columns));
  const width = columns * tile + (columns - 1) * gap;
  const height = rows * tile + (rows - 1) * gap;
  return sharp({ create: { width, height, channels: RGB_CHANNELS, background: BACKGROUND } })
    .composite(
      tiles.map((input, i) => ({
        input,
        raw: { width: tile, height: tile, channels: RGB_CHANNELS },
        left: (i % columns) * (tile + gap),
        top: Math.floor(i / columns) * (tile + gap),
      })),
    )
    .jpeg({ quality: JPEG_QUALITY })
    .toBuffer();
}
