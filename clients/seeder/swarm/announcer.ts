/**
 * Announces every hosted volume to its trackers (and to the DHT when it is on) with one
 * bittorrent-tracker client per volume, for its whole life in the seeder: while webtorrent
 * downloads it and after the seed server takes it over. One announcer per volume means the
 * tracker sees one peer that goes from leecher to seed (a `completed` event), never a
 * `stopped` from one half racing a `started` from the other. Peers the trackers return go to
 * whichever half holds the volume.
 */
// @ts-ignore -- untyped package; used: constructor, start, complete, stop, destroy, events.
import TrackerClient from 'bittorrent-tracker';
import type { Logger } from '../../../shared/log.ts';

/** How often a volume is announced to the DHT (BEP 5 peers expire after about 30 minutes). */
const DHT_ANNOUNCE_MS = 15 * 60_000;

/** What the announcer needs to know about a volume. */
export interface AnnouncedVolume {
  readonly infoHash: string;
  /** Tracker URLs from the torrent. */
  readonly trackers: readonly string[];
  left(): number;
  uploaded(): number;
  downloaded(): number;
  /** A peer address ('ip:port') from a tracker or the DHT. */
  onPeer(addr: string): void;
}

/** The slice of bittorrent-dht used here. */
export interface AnnounceDht {
  announce(infoHash: string, port: number, cb: (err?: Error | null) => void): void;
  lookup?(infoHash: string, cb?: (err?: Error | null) => void): void;
  on?(event: 'peer', listener: (peer: { host: string; port: number }, infoHash: Buffer) => void): void;
}

interface Client {
  start(): void;
  complete(): void;
  stop(): void;
  destroy(cb?: () => void): void;
  on(event: 'peer', listener: (addr: string) => void): void;
  on(event: 'warning' | 'error', listener: (err: Error) => void): void;
}

export interface AnnouncerOptions {
  peerId: Buffer;
  /** The port peers reach us on (the seed server's). */
  port: number;
  /** Announce to trackers at all (the seeder's `trackers` option). */
  trackers: boolean;
  dht: AnnounceDht | null;
  userAgent: string;
  logger: Logger;
}

interface Entry {
  volume: AnnouncedVolume;
  client: Client | null;
  dhtTimer: NodeJS.Timeout | null;
}

export class Announcer {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly o: AnnouncerOptions) {}

  /** Starts announcing a volume (a `started` event now, then at the trackers' interval). */
  add(volume: AnnouncedVolume): void {
    if (this.entries.has(volume.infoHash)) return;
    const urls = this.o.trackers ? volume.trackers.filter((u) => /^(https?|udp):\/\//.test(u)) : [];
    let client: Client | null = null;
    if (urls.length > 0) {
      const Ctor = TrackerClient as unknown as new (opts: Record<string, unknown>) => Client;
      client = new Ctor({
        infoHash: volume.infoHash,
        peerId: this.o.peerId,
        announce: urls,
        port: this.o.port,
        userAgent: this.o.userAgent,
        getAnnounceOpts: () => ({ uploaded: volume.uploaded(), downloaded: volume.downloaded(), left: volume.left() }),
      });
      client.on('peer', (addr) => volume.onPeer(addr));
      client.on('warning', (err) => this.o.logger.debug({ infoHash: volume.infoHash, err }, 'tracker warning'));
      client.on('error', (err) => this.o.logger.warn({ infoHash: volume.infoHash, err }, 'tracker error'));
      client.start();
    }
    let dhtTimer: NodeJS.Timeout | null = null;
    if (this.o.dht) {
      const dht = this.o.dht;
      const announce = () => dht.announce(volume.infoHash, this.o.port, (err) => {
        if (err) this.o.logger.debug({ infoHash: volume.infoHash, err }, 'DHT announce failed');
      });
      announce();
      dhtTimer = setInterval(announce, DHT_ANNOUNCE_MS);
      dhtTimer.unref();
    }
    this.entries.set(volume.infoHash, { volume, client, dhtTimer });
  }

  /** Tells the trackers the volume is complete (`completed`: it counts as a seed from now on). */
  complete(infoHash: string): void {
    this.entries.get(infoHash)?.client?.complete();
  }

  /** Stops announcing a volume (`stopped`). */
  async remove(infoHash: string): Promise<void> {
    const e = this.entries.get(infoHash);
    if (!e) return;
    this.entries.delete(infoHash);
    if (e.dhtTimer) clearInterval(e.dhtTimer);
    const client = e.client;
    if (!client) return;
    client.stop();
    // destroy waits (briefly) for the `stopped` request to finish.
    await new Promise<void>((resolve) => client.destroy(() => resolve()));
  }

  /** Stops announcing everything. */
  async close(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((ih) => this.remove(ih)));
  }
}
