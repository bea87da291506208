/**
 * The seeder's BitTorrent side, started together: the seed server (the peer port; serves
 * complete volumes and hands the rest to webtorrent), webtorrent (downloads; its own listener
 * closed, so the peer port is the only TCP port for peers) and the announcer (trackers and
 * the DHT, announcing the seed server's port for every volume). With the DHT on, its UDP
 * socket takes the peer port's number too when it is free, as most clients do, so one number
 * is all an operator opens in a firewall.
 */
import { randomBytes } from 'node:crypto';
import { SeedbankError } from '../../shared/errors.ts';
import { userAgent } from '../../shared/http/user-agent.ts';
import type { Logger } from '../../shared/log.ts';
import type { SeederOptions } from './seeder-options.ts';
import type { OperatorKey } from '../../shared/operator/index.ts';
import { Announcer } from './swarm/announcer.ts';
import { useOperatorExtensionOnClient } from './swarm/operator-extension.ts';
import { SeedServer } from './swarm/seed-server.ts';
import { createClient, passIncoming, type ClientOptions, type WTClient } from './webtorrent-api.ts';
import type { Listener } from './seeder-options.ts';

const DEFAULT_MAX_PEER_CONNECTIONS = 55;
/** The User-Agent when the caller names no contact: the project page only, never an invented contact. */
export const DEFAULT_SEEDER_USER_AGENT = userAgent({ part: 'seeder' });
/** Azureus-style peer id prefix: webtorrent's own ('WW', version 2.8), as before the id was made here. */
const PEER_ID_PREFIX = '-WW0208-';
const PEER_ID_BYTES = 20;

export interface PeerStack {
  client: WTClient;
  seedServer: SeedServer;
  announcer: Announcer;
  /** What listens, and what for (the status says it). */
  listeners(): Listener[];
}

/** Starts the three; PORT_UNAVAILABLE when the peer port (or a configured DHT port) is taken (nothing is left running). */
export async function startPeerStack(o: SeederOptions, log: Logger, operatorKey?: OperatorKey): Promise<PeerStack> {
  const limit = (v?: number) => (v && v > 0 ? v : -1);
  // The seed server comes first (the DHT takes its port number), so the peer id is made here.
  const peerId = Buffer.concat([Buffer.from(PEER_ID_PREFIX), randomBytes(PEER_ID_BYTES - PEER_ID_PREFIX.length)]);
  let client: WTClient | null = null;
  let seedServer: SeedServer;
  try {
    seedServer = await SeedServer.listen({
      port: o.torrentPort ?? 0,
      host: o.torrentHost,
      peerId,
      operatorKey,
      maxUploadBytesPerSecond: o.maxUploadBytesPerSecond,
      // Before webtorrent is up nothing is downloading: a connection for another volume has nobody to go to.
      passOn: (socket) => (client ? passIncoming(client, socket) : socket.destroy()),
      logger: log.child({ component: 'seed-server' }),
    });
  } catch (err) {
    throw new SeedbankError('PORT_UNAVAILABLE', `cannot listen for peers on port ${o.torrentPort ?? 0}: ${(err as Error).message}`, {
      hint: 'pick another --port, or stop the program using it',
    });
  }
  const dhtWanted = o.dht ?? false;
  const options = (dht: ClientOptions['dht']): ClientOptions => ({
    peerId,
    torrentPort: 0,
    trackers: o.trackers ?? true,
    pex: o.pex ?? true,
    downloadLimit: limit(o.maxDownloadBytesPerSecond),
    uploadLimit: limit(o.maxUploadBytesPerSecond),
    maxConns: o.maxPeerConnections ?? DEFAULT_MAX_PEER_CONNECTIONS,
    dht,
  });
  try {
    client = await createClient(options(dhtWanted === false ? false : { ...dhtWanted, port: dhtWanted.port ?? seedServer.port }));
  } catch (err) {
    // The peer port's number may be taken for UDP by another program: a free one will do, unless the operator named it.
    if (dhtWanted === false || dhtWanted.port !== undefined) {
      await seedServer.close();
      throw new SeedbankError('PORT_UNAVAILABLE', `cannot start the BitTorrent client${dhtWanted === false ? '' : ` (DHT on UDP port ${dhtWanted.port})`}: ${(err as Error).message}`, {
        hint: 'pick another port, or stop the program using it',
      });
    }
    log.warn({ err, port: seedServer.port }, 'the DHT could not use the peer port number for UDP; it uses another free port');
    try {
      client = await createClient(options({ ...dhtWanted, port: 0 }));
    } catch (err2) {
      await seedServer.close();
      throw new SeedbankError('PORT_UNAVAILABLE', `cannot start the BitTorrent client: ${(err2 as Error).message}`, { hint: 'check the log' });
    }
  }
  const wt = client;
  if (operatorKey) useOperatorExtensionOnClient(wt, operatorKey);
  // What webtorrent tells the DHT and peers, and how it recognises itself.
  wt.torrentPort = seedServer.port;
  const dht = wt.dht || null;
  const announcer = new Announcer({
    peerId,
    port: seedServer.port,
    trackers: o.trackers ?? true,
    dht: dht ? { announce: (ih, port, cb) => dht.announce(ih, port, cb) } : null,
    userAgent: o.userAgent ?? DEFAULT_SEEDER_USER_AGENT,
    logger: log.child({ component: 'announcer' }),
  });
  const listeners = (): Listener[] => {
    const out: Listener[] = [{ protocol: 'tcp', address: seedServer.address, port: seedServer.port, purpose: 'peers' }];
    const a = wt.dht ? wt.dht.address() : null;
    if (a) out.push({ protocol: 'udp', address: a.address, port: a.port, purpose: 'dht' });
    return out;
  };
  return { client: wt, seedServer, announcer, listeners };
}
