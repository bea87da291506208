// What the test wiki contains: the category tree (with a cycle), the named files (awkward
// names, several formats, with and without {{Location}}), templates, and the page text.
import type { ImageFormat } from './images.ts';

export interface Coordinates {
  lat: number;
  lon: number;
}

export interface CategorySpec {
  /** Without the "Category:" prefix. */
  name: string;
  /** Parent category names (without prefix). */
  parents: string[];
  description: string;
}

/**
 * Paris → Monuments in Paris → Eiffel Tower → Views from the Eiffel Tower → Paris (a cycle),
 * Birds (thematic) → Birds of Paris (also in Paris), Unrelated (outside everything).
 */
export const CATEGORY_SPECS: CategorySpec[] = [
  { name: 'Paris', parents: ['Views from the Eiffel Tower'], description: 'The capital of France.' },
  { name: 'Monuments in Paris', parents: ['Paris'], description: 'Monuments of Paris.' },
  { name: 'Eiffel Tower', parents: ['Monuments in Paris'], description: 'The tower on the Champ de Mars.' },
  { name: 'Views from the Eiffel Tower', parents: ['Eiffel Tower'], description: 'Views from the tower.' },
  { name: 'Notre-Dame de Paris', parents: ['Monuments in Paris'], description: 'The cathedral.' },
  { name: 'Street furniture in Paris', parents: ['Paris'], description: 'Benches, lamps, Wallace fountains.' },
  { name: 'Birds', parents: [], description: 'Birds anywhere.' },
  { name: 'Birds of Paris', parents: ['Birds', 'Paris'], description: 'Birds seen in Paris.' },
  { name: 'Unrelated', parents: [], description: 'Files that belong to no Paris set.' },
];

export const ROOT_CATEGORY = 'Category:Paris';
export const BULK_CATEGORY = 'Category:Street furniture in Paris';

export interface FileSpec {
  /** File name with spaces, no "File:" prefix. */
  name: string;
  format: ImageFormat;
  width: number;
  height: number;
  /** Category names without prefix. */
  categories: string[];
  coordinates: Coordinates | null;
  description: string;
  date: string;
}

const PARIS: Coordinates = { lat: 48.8566, lon: 2.3522 };
const LYON: Coordinates = { lat: 45.764, lon: 4.8357 };

export const NAMED_FILES: FileSpec[] = [
  f('Eiffel Tower from Trocadéro.jpg', 'jpeg', ['Eiffel Tower'], { lat: 48.8616, lon: 2.2893 }, 'The tower seen from the Trocadéro.'),
  f('Île de la Cité.jpg', 'jpeg', ['Paris'], { lat: 48.8554, lon: 2.347 }, 'The island in the Seine.'),
  f('Sacré-Cœur at night.jpg', 'jpeg', ['Monuments in Paris'], { lat: 48.8867, lon: 2.3431 }, 'The basilica at night.'),
  f("Notre-Dame (west façade), 1890's & today.jpg", 'jpeg', ['Notre-Dame de Paris', 'Monuments in Paris'],
    { lat: 48.853, lon: 2.3499 }, 'The west façade, then and now.'),
  f('View from the Eiffel Tower, Champ de Mars.png', 'png', ['Views from the Eiffel Tower'],
    { lat: 48.8556, lon: 2.2986 }, 'Looking down at the Champ de Mars.'),
  f('Louvre pyramid, 1989.jpg', 'jpeg', ['Monuments in Paris'], { lat: 48.8611, lon: 2.3358 }, 'The pyramid when new.'),
  f('Seine at Pont Neuf.jpg', 'jpeg', ['Paris'], null, 'The river at the Pont Neuf; no coordinates.'),
  f('TGV Paris–Lyon at Part-Dieu.jpg', 'jpeg', ['Paris'], { lat: 45.7605, lon: 4.8597 }, 'In a Paris category but taken in Lyon.'),
  f('Pigeon on a bench.jpg', 'jpeg', ['Birds of Paris'], null, 'A pigeon.'),
  f('Sparrow & blackbird.gif', 'gif', ['Birds of Paris', 'Birds'], null, 'Two birds.'),
  f('Robin (Erithacus rubecula).webp', 'webp', ['Birds'], null, 'A robin, not in Paris.'),
  f('Vieux Lyon, 5e arrondissement.jpg', 'jpeg', ['Unrelated'], LYON, 'Old Lyon.'),
  f('Plain test pattern.png', 'png', ['Unrelated'], null, 'A test pattern.'),
  f('Uncategorized snapshot.jpg', 'jpeg', [], PARIS, 'A file in no category.'),
];

export function bigFileSpec(index: number): FileSpec {
  return f(`Paris panorama (large ${index + 1}).png`, 'png', ['Paris'], index === 0 ? PARIS : null,
    'A large panorama, for download and piece tests.');
}

export function bulkFileSpec(index: number): FileSpec {
  const n = String(index + 1).padStart(3, '0');
  const coordinates = index % 3 === 0 ? { lat: 48.85 + index * 0.0001, lon: 2.35 - index * 0.0001 } : null;
  return { ...f(`Street furniture in Paris ${n}.jpg`, 'jpeg', ['Street furniture in Paris'], coordinates,
    `Street furniture number ${n}.`), width: 48, height: 32 };
}

/** Files changeWiki() uploads: two new ones in Category:Paris, one with coordinates. */
export const NEW_FILES: FileSpec[] = [
  f('Pont Alexandre III at dusk.jpg', 'jpeg', ['Paris'], { lat: 48.8639, lon: 2.3136 }, 'A bridge, uploaded later.'),
  f('Marché aux puces, Saint-Ouen.png', 'png', ['Paris'], null, 'The flea market, uploaded later.'),
];

export const CHANGES = {
  reupload: 'File:Île de la Cité.jpg',
  delete: 'File:Seine at Pont Neuf.jpg',
  rename: { from: 'File:Louvre pyramid, 1989.jpg', to: 'File:Louvre Pyramid at dusk, 1989.jpg' },
  recategorize: { title: 'File:Pigeon on a bench.jpg', add: 'Category:Birds' },
} as const;

function f(name: string, format: ImageFormat, categories: string[], coordinates: Coordinates | null,
  description: string): FileSpec {
  const day = (name.length % 28) + 1;
  return { name, format, width: 96, height: 64, categories, coordinates, description,
    date: `2024-03-${String(day).padStart(2, '0')}` };
}

/** Commons-like file description page text. */
export function filePageText(spec: FileSpec): string {
  const lines = [
    '== {{int:filedesc}} ==',
    `{{Information|description=${spec.description}|date=${spec.date}|source=Own work|author=[[User:Seedbank Fixtures|Seedbank Fixtures]]}}`,
  ];
  if (spec.coordinates) lines.push(`{{Location|${spec.coordinates.lat}|${spec.coordinates.lon}}}`);
  lines.push('== {{int:license-header}} ==', '{{cc-by-sa-4.0}}');
  for (const category of spec.categories) lines.push(`[[Category:${category}]]`);
  return lines.join('\n');
}

export function categoryPageText(spec: CategorySpec): string {
  return [spec.description, ...spec.parents.map((p) => `[[Category:${p}]]`)].join('\n');
}

/** Minimal stand-ins for the Commons templates the file pages use. */
export const TEMPLATE_PAGES: Record<string, string> = {
  'Template:Information': [
    '{| class="fileinfotpl-type-information"',
    '|-', '! Description', '| {{{description|}}}',
    '|-', '! Date', '| {{{date|}}}',
    '|-', '! Source', '| {{{source|}}}',
    '|-', '! Author', '| {{{author|}}}',
    '|}<noinclude>Minimal stand-in for Commons\' Template:Information.</noinclude>',
  ].join('\n'),
  'Template:Location': '<span class="geo">{{{1}}}; {{{2}}}</span><noinclude>Minimal stand-in for Commons\' Template:Location.</noinclude>',
  'Template:Cc-by-sa-4.0': 'Licensed under [https://creativecommons.org/licenses/by-sa/4.0/ CC BY-SA 4.0].',
};
