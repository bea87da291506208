/**
 * Which bench section maps how much of the store: reads the catalogue child's
 * /proc/<pid>/smaps (Linux) at each section's start and end, and sums the resident pages of
 * its LMDB data file (`data.mdb`, file-backed: the kernel gives them back under pressure, but
 * they count in RSS) beside its anonymous memory (V8 heap, buffers). A section that grows the
 * data.mdb figure read that much of the store for the first time.
 */
import { readFile } from 'node:fs/promises';
import { log } from './http-timing.ts';

/** One reading of a process's resident memory, KiB. */
export interface MappedSample {
  /** Resident pages of every `data.mdb` mapping. */
  dataMdbKiB: number;
  /** Anonymous resident memory (heap, buffers, stacks). */
  anonKiB: number;
  /** Every file-backed resident page (data.mdb, the node binary, libraries). */
  fileKiB: number;
}

/** One section's readings at its start and end. */
export interface SectionMaps {
  section: string;
  start: MappedSample;
  end: MappedSample;
}

/** Reads /proc/<pid>/smaps once; null when the platform has none (the bench then skips the table). */
export async function sampleMaps(pid: number): Promise<MappedSample | null> {
  const text = await readFile(`/proc/${pid}/smaps`, 'utf8').catch(() => null);
  if (text === null) return null;
  const out: MappedSample = { dataMdbKiB: 0, anonKiB: 0, fileKiB: 0 };
  let inDataMdb = false;
  for (const line of text.split('\n')) {
    // A mapping's header: "addr-addr perms offset dev inode [path]"; its fields follow as "Name: N kB".
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) {
      inDataMdb = line.endsWith('/data.mdb');
      continue;
    }
    if (line.startsWith('Rss:')) {
      if (inDataMdb) out.dataMdbKiB += Number(/(\d+)/.exec(line)?.[1] ?? 0);
    } else if (line.startsWith('Anonymous:')) {
      out.anonKiB += Number(/(\d+)/.exec(line)?.[1] ?? 0);
    }
  }
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  out.fileKiB = Number(/^RssFile:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
  return out;
}

/** Samples the child at section boundaries and keeps each section's start and end. */
export class SectionSampler {
  readonly sections: SectionMaps[] = [];
  private current: { section: string; start: MappedSample } | null = null;

  /** `pid` runs the catalogue; what it mapped before the first mark is reported as `startLabel`. */
  constructor(
    private readonly pid: number,
    private readonly startLabel = 'start-up (store open, census restore, warm-up so far)',
  ) {}

  /** Ends the running section (the start-up on the first call) and starts `section`; `null` only ends. */
  async mark(section: string | null): Promise<void> {
    const now = await sampleMaps(this.pid);
    if (!now) return;
    if (this.current) this.sections.push({ section: this.current.section, start: this.current.start, end: now });
    else if (this.sections.length === 0) this.sections.push({ section: this.startLabel, start: { dataMdbKiB: 0, anonKiB: 0, fileKiB: 0 }, end: now });
    this.current = section === null ? null : { section, start: now };
  }

  /** Prints each section's data.mdb growth and where anonymous memory stood at its end. */
  print(): void {
    if (this.sections.length === 0) return;
    const mib = (kib: number) => (kib / 1024).toFixed(0).padStart(6);
    log('\n  mapped store pages by section (data.mdb resident MiB: growth, at end; anonymous MiB at end):');
    for (const s of this.sections) {
      log(`    ${s.section.padEnd(44)} data.mdb +${mib(s.end.dataMdbKiB - s.start.dataMdbKiB)} → ${mib(s.end.dataMdbKiB)}   anon ${mib(s.end.anonKiB)}`);
    }
  }
}
