// Preview-mosaic inputs: five readable images of three formats, with two unreadable files
// (a PDF and a broken SVG) in the middle, so skipping them must not shift or break what follows.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeImage } from '../../deploy/local/wiki/images.ts';

/** The mosaic layout the page and mosaic tests use. */
export const SAMPLE_MOSAIC = { tile: 96, columns: 6, maxTiles: 12 };

/** The sample files written into `dir`: the readable images, every file in order, and the PDF. */
export interface MosaicSamples {
  readable: string[];
  all: string[];
  pdf: string;
}

/** Writes the sample images and unreadable files into `dir`. */
export async function makeMosaicSamples(dir: string): Promise<MosaicSamples> {
  const readable: string[] = [];
  const formats = ['jpeg', 'png', 'webp', 'jpeg', 'png'] as const;
  for (const [i, format] of formats.entries()) {
    const made = await makeImage(path.join(dir, `img-${i}.${format}`), i + 1, { format, width: 160 + i * 40, height: 120 + i * 30 });
    readable.push(made.path);
  }
  const pdf = path.join(dir, 'document.pdf');
  await writeFile(pdf, '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
  const svg = path.join(dir, 'broken.svg');
  await writeFile(svg, '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect');
  return { readable, all: [readable[0]!, pdf, readable[1]!, svg, ...readable.slice(2)], pdf };
}
