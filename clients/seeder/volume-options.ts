/** What a hosted volume is given: the seeder's hooks (at construction) and its engines' parts (at start). */
import type { Logger } from '../../shared/log.ts';
import type { Announcer } from './swarm/announcer.ts';
import type { SeedServer } from './swarm/seed-server.ts';
import type { HostLimiter } from './web-seed/host-limiter.ts';
import type { WTClient } from './webtorrent-api.ts';
import type { VolumeState } from './volume-lifecycle.ts';

/** What the seeder wants to hear from a volume; given at construction, so nothing is missed during start. */
export interface VolumeHooks {
  /** A piece was downloaded or found on disk after start (the seeder shares files between volumes). */
  onVerified(index: number): void;
  /** A verified piece could not be written (the volume keeps it to ask for again on resume). */
  onWriteFailed(index: number, err: Error): void;
  /** The volume moved to another lifecycle state (the status should say so soon). */
  onStateChange?(state: VolumeState): void;
}

/** How a volume is started. */
export interface VolumeStartOptions {
  client: WTClient;
  webSeeds: boolean;
  /** Web seed hosts: per-host slots and the polite client (User-Agent, back-off). */
  limiter: HostLimiter;
  /** Start without asking for pieces (downloads are paused). */
  paused: boolean;
  logger: Logger;
  /** Serves the volume once complete. */
  seedServer: SeedServer;
  announcer: Announcer;
}
