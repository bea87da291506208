/**
 * What the follower remembers in STORAGE/.seedbank/follow.json: its random seeder id, the keys
 * it pinned on first contact (catalogue, each set), the highest takedown serial and its
 * entries, the versions hosted per set, the volumes auto mode picked, and the last contact.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { readJsonIfExists, writeFileAtomic } from '../../../shared/fs/index.ts';

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

/**
 * The state file as read back. Fields missing from an older file take their first-run value;
 * a damaged file is refused rather than replaced, because a fresh state would forget the pinned
 * keys (and so trust whatever key a catalogue offers next) and the seeder's identity.
 */
const followStateSchema = z.object({
  seederId: z.string().regex(/^[0-9a-f]+$/),
  catalogueKey: z.string().optional(),
  setKeys: z.record(z.string(), z.string()).default({}),
  takedownSerial: z.number().int().default(-1),
  takenDown: z.array(z.string()).default([]),
  versions: z.record(z.string(), z.array(z.number().int())).default({}),
  auto: z.record(z.string(), z.object({ setId: z.string(), surplusStreak: z.number().int() })).default({}),
  lastContact: z.object({ at: z.string(), ok: z.boolean(), via: z.enum(['catalogue', 'dht']), error: z.string().optional() }).optional(),
}) satisfies z.ZodType<FollowStateData>;

/** Loads (or starts) and saves the follower's state. */
export class FollowState {
  private constructor(private readonly file: string, readonly data: FollowStateData) {}

  /**
   * Loads the state of a storage folder's bookkeeping folder, creating a fresh one (new seeder
   * id) if none; a damaged file is an error naming it (FILE_NOT_JSON, FILE_INVALID).
   */
  static async load(metaDir: string): Promise<FollowState> {
    const file = path.join(metaDir, STATE_FILE);
    const saved = await readJsonIfExists(file, followStateSchema);
    if (saved) return new FollowState(file, saved);
    const fresh: FollowStateData = { seederId: randomBytes(SEEDER_ID_BYTES).toString('hex'), setKeys: {}, takedownSerial: -1, takenDown: [], versions: {}, auto: {} };
    const s = new FollowState(file, fresh);
    await s.save();
    return s;
  }

  /** Writes the state atomically. */
  async save(): Promise<void> {
    await writeFileAtomic(this.file, `${JSON.stringify(this.data, null, 2)}\n`);
  }
}
