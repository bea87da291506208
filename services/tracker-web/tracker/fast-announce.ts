/**
 * A faster announce reply for bittorrent-tracker's Server: the same steps as its own
 * `_onAnnounce` (filter, swarm lookup, swarm.announce), but compact peer lists are packed
 * straight from the peers' addresses. The library formats every peer as "ip:port" and parses
 * the string again through two packages, which was a third of the catalogue's announce time.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** BEP 15's action number of an announce reply. */
const ACTION_ANNOUNCE = 1;

interface Peer {
  ip: string;
  port: number;
}
interface Swarm {
  announce(params: Record<string, unknown>, cb: (err: Error | null, response?: Record<string, unknown>) => void): void;
}
interface LibraryServer {
  intervalMs: number;
  _filter?: (infoHash: string, params: unknown, cb: (err?: Error | null) => void) => void;
  getSwarm(infoHash: string, cb: (err: Error | null, swarm?: Swarm) => void): void;
  createSwarm(infoHash: string, cb: (err: Error | null, swarm?: Swarm) => void): void;
  _onAnnounce(params: Record<string, unknown>, cb: (err: Error | null, response?: Record<string, unknown>) => void): void;
}

/** Packs IPv4 peers into BEP 23's 6-byte entries (4 address bytes, 2 port bytes). */
export function compactIPv4(peers: readonly Peer[]): Buffer {
  const v4 = peers.filter((p) => isIPv4(p.ip));
  const out = Buffer.allocUnsafe(v4.length * 6);
  v4.forEach((p, i) => {
    const parts = p.ip.split('.');
    for (let k = 0; k < 4; k++) out[i * 6 + k] = Number(parts[k]);
    out.writeUInt16BE(p.port, i * 6 + 4);
  });
  return out;
}

/** Packs IPv6 peers into BEP 7's 18-byte entries. */
export function compactIPv6(peers: readonly Peer[]): Buffer {
  const v6 = peers.filter((p) => isIPv6(p.ip));
  const out = Buffer.alloc(v6.length * 18);
  v6.forEach((p, i) => {
    const [head = '', tail = ''] = p.ip.split('::');
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = p.ip.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
    groups.forEach((g, k) => out.writeUInt16BE(parseInt(g, 16) || 0, i * 18 + k * 2));
    out.writeUInt16BE(p.port, i * 18 + 16);
  });
  return out;
}

/** Replaces the server's announce step with the faster packing; everything else is the library's. */
export function installFastAnnounce(server: LibraryServer): void {
  server._onAnnounce = (params, cb) => {
    const withSwarm = (swarm: Swarm) => {
      if (!params.event || params.event === 'empty') params.event = 'update';
      swarm.announce(params, (err, response) => {
        if (err || !response) return cb(err ?? new Error('no announce response'));
        response.action ??= ACTION_ANNOUNCE;
        response.interval ??= Math.ceil(server.intervalMs / 1000);
        const peers = (response.peers ?? []) as Peer[];
        if (params.compact === 1) {
          response.peers = compactIPv4(peers);
          response.peers6 = compactIPv6(peers);
        } else if (params.compact === 0) {
          response.peers = peers.map((p) => ({ 'peer id': Buffer.from(String((p as Peer & { peerId?: string }).peerId ?? ''), 'hex').toString('binary'), ip: p.ip, port: p.port }));
        }
        cb(null, response);
      });
    };
    const getOrCreate = () =>
      server.getSwarm(String(params.info_hash), (err, swarm) => {
        if (err) return cb(err);
        if (swarm) return withSwarm(swarm);
        server.createSwarm(String(params.info_hash), (err2, created) => (err2 || !created ? cb(err2 ?? new Error('no swarm')) : withSwarm(created)));
      });
    if (server._filter) server._filter(String(params.info_hash), params, (err) => (err ? cb(err) : getOrCreate()));
    else getOrCreate();
  };
}
