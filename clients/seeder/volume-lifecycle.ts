/**
 * The states a hosted volume goes through, after libtorrent's torrent states, and the only
 * transitions allowed between them. The state says which engine holds the volume: webtorrent
 * while pieces are missing (downloading, repairing, paused), the seed server once every wanted
 * piece is here (seeding). A transition not in the table is a bug and throws, so a volume can
 * never be half in one engine and half in the other.
 */
import { SeedbankError } from '../../shared/errors.ts';

/** What a hosted volume is doing. */
export type VolumeState =
  /** Constructed, not started. */
  | 'new'
  /** Finding which pieces are already on disk. */
  | 'checking'
  /** In webtorrent, asking peers and web seeds for missing pieces. */
  | 'downloading'
  /** In webtorrent, downloads stopped (quota, full disk); what it has is still served. */
  | 'paused'
  /** In the seed server: every wanted piece is here. */
  | 'seeding'
  /** Back in webtorrent after seeding, fetching pieces a scrub or another volume found bad. */
  | 'repairing'
  /** Stopped by an error (its message is kept); only closing is left. */
  | 'error'
  /** Out of both engines; its files stay on disk. */
  | 'closed';

/** Allowed next states from each state. */
const TRANSITIONS: Readonly<Record<VolumeState, readonly VolumeState[]>> = {
  new: ['checking', 'closed'],
  checking: ['downloading', 'paused', 'seeding', 'error', 'closed'],
  downloading: ['paused', 'seeding', 'error', 'closed'],
  paused: ['downloading', 'repairing', 'seeding', 'error', 'closed'],
  seeding: ['repairing', 'paused', 'closed'],
  repairing: ['paused', 'seeding', 'error', 'closed'],
  error: ['closed'],
  closed: [],
};

/** The states in which webtorrent holds the volume. */
export const WEBTORRENT_STATES: ReadonlySet<VolumeState> = new Set(['downloading', 'paused', 'repairing']);

/** States a volume does not leave except to close: waiting for another state ends there. */
const STOPPED: ReadonlySet<VolumeState> = new Set(['error', 'closed']);

/** True when `to` may follow `from`. */
export function canTransition(from: VolumeState, to: VolumeState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** One volume's current state, with the transition check and waiters for a state. */
export class VolumeLifecycle {
  private current: VolumeState = 'new';
  private readonly waiters = new Set<{ states: ReadonlySet<VolumeState>; resolve: () => void }>();

  constructor(
    private readonly infoHash: string,
    /** Told after every transition (the seeder rewrites its status soon). */
    private readonly onChange: (state: VolumeState) => void = () => undefined,
  ) {}

  /** The current state. */
  get state(): VolumeState {
    return this.current;
  }

  /** True when the current state is one of `states`. */
  is(...states: VolumeState[]): boolean {
    return states.includes(this.current);
  }

  /** Moves to `next`; throws VOLUME_STATE_INVALID when the table does not allow it. */
  to(next: VolumeState): void {
    if (next === this.current) return;
    if (!canTransition(this.current, next)) {
      throw new SeedbankError('VOLUME_STATE_INVALID', `volume ${this.infoHash} cannot go from ${this.current} to ${next}`, {
        hint: 'this is a bug in the seeder; please report it with the log',
        context: { infoHash: this.infoHash, from: this.current, to: next },
      });
    }
    this.current = next;
    for (const w of [...this.waiters]) {
      if (!w.states.has(next) && !STOPPED.has(next)) continue;
      this.waiters.delete(w);
      w.resolve();
    }
    this.onChange(next);
  }

  /**
   * Resolves true once the state is one of `states` (at once if it already is), false when the
   * volume stops first (error, closed) or `timeoutMs` passes.
   */
  reached(states: readonly VolumeState[], timeoutMs: number): Promise<boolean> {
    const wanted = new Set(states);
    if (wanted.has(this.current)) return Promise.resolve(true);
    if (STOPPED.has(this.current)) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = {
        states: wanted,
        resolve: () => {
          clearTimeout(timer);
          resolve(wanted.has(this.current));
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve(false);
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }
}
