/**
 * What the follower remembers in STORAGE/.seedbank/follow.json: its random seeder id, the keys
 * it pinned on first contact (catalogue, each set), the highest takedown serial and its
 * entries, the versions hosted per set, the volumes auto mode picked, and the last contact.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../store/atomic-write.ts';

const STATE_FILE = 'follow.json';
const SEEDER_ID_BYTES = 16;

/** A volume auto mode chose to host. */
export interface AutoVolume {
  setId: string;
  /** Consecutive polls it was at least one copy above target while we were among the last to join. */
  surplusStreak: number;
}

/** The follower's persisted state. */
export interface FollowStateData {
  seederId: string;
  catalogueKey?: string;
  setKeys: Record<string, string>;
  takedownSerial: number;
  takenDown: string[];
  /** Versions hosted per followed set, ascending. */
  versions: Record<string, number[]>;
  auto: Record<string, AutoVolume>;
  lastContact?: { at: string; ok: boolean; via: 'catalogue' | 'dht'; error?: string };
}

/** Loads (or starts) and saves the follower's state. */
export class FollowState {
  private constructor(private readonly file: string, readonly data: FollowStateData) {}

  /** Loads the state of a storage folder's bookkeeping folder, creating a fresh one (new seeder id) if none. */
  static async load(metaDir: string): Promise<FollowState> {
    const file = path.join(metaDir, STATE_FILE);
    const fresh: FollowStateData = { seederId: randomBytes(SEEDER_ID_BYTES).toString('hex'), setKeys: {}, takedownSerial: -1, takenDown: [], versions: {}, auto: {} };
    try {
      const saved = JSON.parse(await readFile(file, 'utf8')) as Partial<FollowStateData>;
      return new FollowState(file, { ...fresh, ...saved });
    } catch {
      const s = new FollowState(file, fresh);
      await s.save();
      return s;
    }
  }

  /** Writes the state atomically. */
  async save(): Promise<void> {
    await writeFileAtomic(this.file, `${JSON.stringify(this.data, null, 2)}\n`);
  }
}
