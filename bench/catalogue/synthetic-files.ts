/**
 * The files of the catalogue bench's synthetic sets: Commons-like titles, paths, sizes, SHA-1s,
 * licences, authors, categories and coordinates, deterministic for a given set index; each set
 * shares 5% of its files with the previous one (overlapping selections).
 */
import { createHash } from 'node:crypto';
import { commonsPath, fileNameFromTitle } from '../../shared/commons-path.ts';
import type { ManifestFile } from '../../shared/formats/manifest.ts';
import { prng } from '../../shared/prng.ts';
import { AUTHORS, CAMERAS, LICENSES, MEDIA, MEDIA_WEIGHT, PLACES, TOPICS, type MediaKind, type Topic } from './synthetic-vocabulary.ts';

/** Share of a set's files that are the very same files of the previous set (overlapping selections). */
const SHARED_WITH_PREVIOUS = 0.05;

// The same seeded PRNG (mulberry32) the test images use: the same set index always gives the same set.
export { prng };

/** One of `xs`, drawn with `r`. */
export const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const pad = (n: number, w: number) => String(n).padStart(w, '0');

function mediaKind(r: () => number): MediaKind {
  let x = r() * MEDIA_WEIGHT;
  for (const m of MEDIA) if ((x -= m.weight) < 0) return m;
  return MEDIA[0]!;
}

/** The identity of set number `i` (id, title, topic, place), unique for i below topics × places × 10. */
export function setIdentity(i: number): { id: string; title: string; topic: Topic; place: string } {
  const topic = TOPICS[i % TOPICS.length]!;
  const place = PLACES[Math.floor(i / TOPICS.length) % PLACES.length]!;
  const round = Math.floor(i / (TOPICS.length * PLACES.length));
  const placeSlug = place
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[łŁ]/g, 'l')
    .replace(/ı/g, 'i')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  const id = `${topic.slug}-${placeSlug}${round ? `-${round + 1}` : ''}`;
  return { id, title: `${topic.title(place)}${round ? ` (${round + 1})` : ''}`, topic, place };
}

/** A file of a set before it is assigned a volume. */
export type BaseFile = Omit<ManifestFile, 'volume'>;

const sharedCount = (i: number, count: number) => (i > 0 ? Math.floor(count * SHARED_WITH_PREVIOUS) : 0);
let ownMemo: { i: number; count: number; files: BaseFile[] } | null = null;

/** The files only set `i` has (its count less the ones it shares with set `i-1`). */
function ownFiles(i: number, count: number): BaseFile[] {
  if (ownMemo && ownMemo.i === i && ownMemo.count === count) return ownMemo.files;
  const { topic, place } = setIdentity(i);
  const r = prng(0x5eed0000 + i);
  const out: BaseFile[] = [];
  const seen = new Set<string>();
  const want = count - sharedCount(i, count);
  for (let j = 0; out.length < want; j++) {
    const m = mediaKind(r);
    const year = int(r, 2004, 2025);
    const date = `${year}-${pad(int(r, 1, 12), 2)}-${pad(int(r, 1, 28), 2)}`;
    let stem: string;
    const style = r();
    if (style < 0.15) stem = `${pick(r, CAMERAS)} ${pad((i * 7919 + j) % 100_000, 5)} ${place}`; // adjacent sets never collide
    else if (style < 0.3) stem = `${place} - ${pick(r, topic.subjects)} - ${date} (${j})`;
    else if (topic.slug === 'birds') stem = `${pick(r, topic.subjects)} ${place} ${date} ${pad(j, 4)}`;
    else stem = `${pick(r, topic.subjects)}, ${topic.category(place)}, ${date} ${pad(j, 4)}`;
    const title = `File:${stem}.${m.ext}`;
    if (seen.has(title)) continue;
    seen.add(title);
    const size = Math.round(Math.exp(Math.log(m.min) + r() * (Math.log(m.max) - Math.log(m.min))));
    const pageId = 10_000_000 + i * 100_000 + j;
    const withCoords = m.mime.startsWith('image/') && r() < 0.6;
    out.push({
      title,
      path: commonsPath(fileNameFromTitle(title)),
      size,
      sha1: createHash('sha1').update(`seedbank-bench/${i}/${j}`).digest('hex'),
      mime: m.mime,
      uploadTimestamp: `${date}T${pad(int(r, 0, 23), 2)}:${pad(int(r, 0, 59), 2)}:${pad(int(r, 0, 59), 2)}Z`,
      pageId,
      revisionId: 100_000_000 + pageId * 3,
      license: pick(r, LICENSES),
      author: pick(r, AUTHORS),
      categories: r() < 0.5 ? [topic.category(place)] : [topic.category(place), `${pick(r, topic.subjects)} in ${place}`, `Photographs taken on ${date}`],
      coordinates: withCoords ? { lat: Math.round((r() * 140 - 60) * 1e6) / 1e6, lon: Math.round((r() * 360 - 180) * 1e6) / 1e6 } : null,
    });
  }
  ownMemo = { i, count, files: out };
  return out;
}

/**
 * The files of set `i` (without volumes), sorted by title: its own files plus 5% picked from
 * set `i-1`'s own files (the same titles, bytes and paths: overlapping selections).
 */
export function setFiles(i: number, count: number): BaseFile[] {
  const shared = sharedCount(i, count);
  const out: BaseFile[] = [];
  if (shared > 0) {
    const previous = ownFiles(i - 1, count);
    const rs = prng(0xabc00000 + i);
    const taken = new Set<number>();
    while (taken.size < shared) taken.add(Math.floor(rs() * previous.length));
    for (const k of taken) out.push(previous[k]!);
  }
  out.push(...ownFiles(i, count));
  return out.sort((a, b) => (a.title < b.title ? -1 : a.title > b.title ? 1 : 0));
}
