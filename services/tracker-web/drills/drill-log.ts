/**
 * The drills the catalogue has received: an append-only JSON lines file under the data
 * folder (one record per line, readable with jq), and the most recent ones in memory.
 */
import { createReadStream } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseJson } from '../../../shared/fs/index.ts';
import type { Logger } from '../../../shared/log.ts';
import { drillRecordSchema, type DrillRecord } from './drill-record.ts';

/** File name under the catalogue's data folder. */
export const DRILL_LOG_FILE = 'drills.jsonl';
/** Drills kept in memory for the home page and the metrics. */
const RECENT_DRILLS = 50;

/** Recent drills in memory, every drill on disk. */
export class DrillLog {
  private readonly recentRecords: DrillRecord[] = [];
  /** The newest drill of each set (one entry per set: bounded by sets, not by drills). */
  private readonly lastBySet = new Map<string, DrillRecord>();
  private writes: Promise<void> = Promise.resolve();

  private constructor(private readonly file: string) {}

  /** Opens the log under `dataDir`, reading back the most recent drills. */
  static async open(dataDir: string, logger: Logger): Promise<DrillLog> {
    const log = new DrillLog(path.join(dataDir, DRILL_LOG_FILE));
    await mkdir(dataDir, { recursive: true });
    try {
      const lines = createInterface({ input: createReadStream(log.file), crlfDelay: Infinity });
      let lineNo = 0;
      for await (const line of lines) {
        lineNo++;
        if (!line.trim()) continue;
        try {
          log.remember(parseJson(line, drillRecordSchema, `${log.file} line ${lineNo}`));
        } catch (err) {
          // One damaged line (a crash mid-append) must not hide every other drill.
          logger.warn({ err, file: log.file, line: lineNo }, 'skipping a damaged line of the drill log');
        }
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    return log;
  }

  /** Records a drill (in memory at once, on disk in order). */
  add(record: DrillRecord): Promise<void> {
    this.remember(record);
    this.writes = this.writes.then(() => appendFile(this.file, `${JSON.stringify(record)}\n`));
    return this.writes;
  }

  /** The most recent drills, newest first. */
  recent(limit = RECENT_DRILLS): DrillRecord[] {
    return this.recentRecords.slice(-limit).reverse();
  }

  /** The newest drill, if any. */
  last(): DrillRecord | undefined {
    return this.recentRecords.at(-1);
  }

  /** The newest drill of every set that was drilled. */
  lastPerSet(): ReadonlyMap<string, DrillRecord> {
    return this.lastBySet;
  }

  private remember(record: DrillRecord): void {
    this.lastBySet.set(record.setId, record);
    this.recentRecords.push(record);
    if (this.recentRecords.length > RECENT_DRILLS) this.recentRecords.shift();
  }
}
