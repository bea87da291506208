/**
 * The shape of `npm run bench:scale`: a list of sections, each a function of one context that
 * returns measured rows. Sections share expensive things (a filled wiki, a synthetic dump run)
 * through `ctx.shared`, made by the first section that asks and stopped once at the end, so a
 * new section (a seeder following a volume, a 5 GiB file) is one more entry in the list.
 */

/** Options every section sees (from the command line). */
export interface ScaleOptions {
  /** Files in the wiki fixture's set (sections built from the wiki). */
  files: number;
  /** Files in the synthetic dump run's set. */
  syntheticFiles: number;
  /** Scratch folder of this run (removed at the end unless kept). */
  workDir: string;
  /** Folder for things worth keeping between runs (synthetic dumps and media). */
  cacheDir: string;
  /** Ids of the sections this run runs, in order. */
  sections: string[];
}

/** One measured thing: a build, a generation step. */
export interface ScaleRow {
  label: string;
  /** False when the measured command failed; the row then says how far it got. */
  ok: boolean;
  wallMs: number;
  /** Peak resident set of the measured process, bytes (null when not measured). */
  peakRssBytes: number | null;
  /** The target for peakRssBytes, bytes. */
  rssTargetBytes?: number;
  /** Free-form figures: files, volumes, API requests, rows/s... */
  figures: Record<string, string | number>;
  /** What failed, in one or a few lines. */
  error?: string;
}

/** What a section reports. */
export interface SectionResult {
  rows: ScaleRow[];
  /** Lines printed under the section's table (how it was set up, what is not measured). */
  notes: string[];
}

/** The run's shared state and helpers. */
export interface ScaleContext {
  options: ScaleOptions;
  /** A progress line on stderr (results go to stdout). */
  log(line: string): void;
  /** The value under `key`, made once by `make`; `stop` runs when the whole bench ends. */
  shared<T>(key: string, make: () => Promise<T>, stop?: (value: T) => Promise<void>): Promise<T>;
}

/** One section of the bench. */
export interface ScaleSection {
  /** Short id for --sections (e.g. `dumps`). */
  id: string;
  title: string;
  run(ctx: ScaleContext): Promise<SectionResult>;
}

/** A context whose shared values are stopped, newest first, by the returned `close`. */
export function createContext(options: ScaleOptions): { ctx: ScaleContext; close: () => Promise<void> } {
  const values = new Map<string, Promise<unknown>>();
  const stops: Array<() => Promise<void>> = [];
  const ctx: ScaleContext = {
    options,
    log: (line) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`),
    shared<T>(key: string, make: () => Promise<T>, stop?: (value: T) => Promise<void>): Promise<T> {
      let value = values.get(key) as Promise<T> | undefined;
      if (!value) {
        value = make();
        values.set(key, value);
        if (stop) stops.push(async () => stop(await value!));
      }
      return value;
    },
  };
  const close = async () => {
    const errors: unknown[] = [];
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => errors.push(err));
    if (errors.length > 0) throw errors[0];
  };
  return { ctx, close };
}
