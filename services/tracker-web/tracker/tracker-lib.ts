/**
 * The slice of bittorrent-tracker's Server the catalogue uses, typed. The package ships no
 * types; declaring them here (not as an ambient module) keeps us from clashing with another
 * part's declarations of the same package.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RemoteInfo } from 'node:dgram';
// @ts-ignore -- untyped package; the interface below is what we rely on (see node_modules/bittorrent-tracker/server.js).
import ServerImpl from 'bittorrent-tracker/server';
import type { UdpReplySocket } from './udp-guard.ts';

/** One peer as the library's swarm remembers it. */
export interface TrackerPeer {
  type: 'http' | 'udp' | 'ws';
  complete: boolean;
  /** Hex. */
  peerId: string;
  ip: string;
  port: number;
}

/** One swarm's live counts (the library's Swarm keeps these as announces come in). */
export interface TrackerSwarm {
  complete: number;
  incomplete: number;
  /** An LRU keyed by peer address; expired peers leave only when looked at (get/peek). */
  peers: { keys: string[]; peek(key: string): TrackerPeer | undefined };
}

/** Options of the library's Server we pass. */
export interface TrackerServerOptions {
  http: false;
  udp: false;
  ws: false;
  /** Without this false the library starts an HTTP server of its own for /stats. */
  stats: false;
  /** Announce interval told to clients, milliseconds. */
  interval?: number;
  trustProxy?: boolean;
  /** Milliseconds a peer stays counted after its last announce (library default 20 minutes). */
  peersCacheTtl?: number;
  /** Peers remembered per swarm (library default 1000; more are evicted as if stopped). */
  peersCacheLength?: number;
  /** Called for each announce; an Error refuses it with its message as the failure reason. */
  filter?: (infoHash: string, params: unknown, cb: (err?: Error | null) => void) => void;
}

/** The library's Server, as used: request handlers, swarms, sockets we hand it, close. */
export interface TrackerServer {
  torrents: Record<string, TrackerSwarm>;
  /** The sockets UDP replies go out on; we set them to our own (see udp-guard.ts). */
  udp4: UdpReplySocket | null;
  udp6: UdpReplySocket | null;
  udp: UdpReplySocket | null;
  destroyed: boolean;
  onHttpRequest(req: IncomingMessage, res: ServerResponse, opts?: { action?: 'announce' | 'scrape'; trustProxy?: boolean }): void;
  onUdpRequest(msg: Buffer, rinfo: RemoteInfo): void;
  on(event: 'warning' | 'error', listener: (err: Error) => void): this;
  on(event: 'start' | 'complete' | 'update' | 'stop', listener: (addr: string, params: unknown) => void): this;
  close(cb?: () => void): void;
}

/** Creates the library's tracker server. */
export function createTrackerServer(opts: TrackerServerOptions): TrackerServer {
  const Ctor = ServerImpl as unknown as new (o: TrackerServerOptions) => TrackerServer;
  return new Ctor(opts);
}
