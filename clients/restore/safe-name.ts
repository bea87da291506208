/**
 * File names for the title layout: the title without `File:`, spaces kept, made safe on
 * every common file system (no separators or reserved characters, no trailing dot or space,
 * at most 255 bytes), and distinct even when two titles sanitise to the same name.
 */
import path from 'node:path';

/** Longest file name most file systems accept, in UTF-8 bytes. */
const MAX_NAME_BYTES = 255;
/** Characters Windows, macOS or Linux refuse in names, and control characters. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[/\\:*?"<>|\x00-\x1f\x7f]/g;
const RESERVED = /^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$/i;

function truncateBytes(text: string, maxBytes: number): string {
  let out = '';
  for (const ch of text) {
    if (Buffer.byteLength(out + ch) > maxBytes) break;
    out += ch;
  }
  return out;
}

/** A safe file name for a title ("File:Île de la Cité.jpg" → "Île de la Cité.jpg"). */
export function safeFileName(title: string, tag = ''): string {
  let name = title.replace(/^(File|Image):/i, '').replace(/_/g, ' ').replace(UNSAFE, '_').replace(/[. ]+$/, '');
  if (name === '' || RESERVED.test(name)) name = `_${name}`;
  const ext = path.extname(name);
  const base = ext ? name.slice(0, -ext.length) : name;
  const suffix = `${tag ? ` (${tag})` : ''}${ext}`;
  return truncateBytes(base, MAX_NAME_BYTES - Buffer.byteLength(suffix)) + suffix;
}

/** Safe names given one file at a time, distinct case-insensitively (a clash gets the SHA-1's start as a tag). */
export class SafeFileNames {
  private readonly names = new Map<string, string>();
  private readonly taken = new Set<string>();

  /** Names one more file (a title met again keeps its first name). */
  add(f: { title: string; sha1: string }): void {
    if (this.names.has(f.title)) return;
    let name = safeFileName(f.title);
    if (this.taken.has(name.toLowerCase())) name = safeFileName(f.title, f.sha1.slice(0, 10));
    this.taken.add(name.toLowerCase());
    this.names.set(f.title, name);
  }

  /** The name given to a title. */
  get(title: string): string | undefined {
    return this.names.get(title);
  }
}

/** Safe names for many titles, distinct case-insensitively (a clash gets the SHA-1's start as a tag). */
export function safeFileNames(files: Iterable<{ title: string; sha1: string }>): Map<string, string> {
  const table = new SafeFileNames();
  const titles: string[] = [];
  for (const f of files) {
    table.add(f);
    titles.push(f.title);
  }
  return new Map(titles.map((t) => [t, table.get(t)!]));
}
