/**
 * The seeder's BitTorrent side, started together: webtorrent (downloads), the seed server
 * (the peer port; serves complete volumes and hands the rest to webtorrent) and the announcer
 * (trackers and the DHT, announcing the seed server's port for every volume).
 */
import { SeedbankError } from '../../shared/errors.ts';
import { userAgent } from '../../shared/http/user-agent.ts';
import type { Logger } from '../../shared/log.ts';
import type { SeederOptions } from './seeder-options.ts';
import type { OperatorKey } from '../../shared/operator/index.ts';
import { Announcer } from './swarm/announcer.ts';
import { useOperatorExtensionOnClient } from './swarm/operator-extension.ts';
import { SeedServer } from './swarm/seed-server.ts';
import { createClient, passIncoming, type WTClient } from './webtorrent-api.ts';

const DEFAULT_MAX_PEER_CONNECTIONS = 55;
/** The User-Agent when the caller names no contact: the project page only, never an invented contact. */
export const DEFAULT_SEEDER_USER_AGENT = userAgent({ part: 'seeder' });

export interface PeerStack {
  client: WTClient;
  seedServer: SeedServer;
  announcer: Announcer;
}

/** Starts the three; PORT_UNAVAILABLE when the peer port is taken (nothing is left running). */
export async function startPeerStack(o: SeederOptions, log: Logger, operatorKey?: OperatorKey): Promise<PeerStack> {
  const limit = (v?: number) => (v && v > 0 ? v : -1);
  const client = await createClient({
    // webtorrent's own listener is not announced: peers reach it through the seed server.
    torrentPort: 0,
    trackers: o.trackers ?? true,
    pex: o.pex ?? true,
    downloadLimit: limit(o.maxDownloadBytesPerSecond),
    uploadLimit: limit(o.maxUploadBytesPerSecond),
    maxConns: o.maxPeerConnections ?? DEFAULT_MAX_PEER_CONNECTIONS,
    dht: o.dht ?? false,
  });
  if (operatorKey) useOperatorExtensionOnClient(client, operatorKey);
  let seedServer: SeedServer;
  try {
    seedServer = await SeedServer.listen({
      port: o.torrentPort ?? 0,
      peerId: Buffer.from(client.peerId, 'hex'),
      operatorKey,
      maxUploadBytesPerSecond: o.maxUploadBytesPerSecond,
      passOn: (socket) => passIncoming(client, socket),
      logger: log.child({ component: 'seed-server' }),
    });
  } catch (err) {
    await new Promise<void>((resolve) => client.destroy(() => resolve()));
    throw new SeedbankError('PORT_UNAVAILABLE', `cannot listen for peers on port ${o.torrentPort ?? 0}: ${(err as Error).message}`, {
      hint: 'pick another --port, or stop the program using it',
    });
  }
  // What webtorrent tells the DHT and peers, and how it recognises itself.
  client.torrentPort = seedServer.port;
  const dht = client.dht || null;
  const announcer = new Announcer({
    peerId: Buffer.from(client.peerId, 'hex'),
    port: seedServer.port,
    trackers: o.trackers ?? true,
    dht: dht ? { announce: (ih, port, cb) => dht.announce(ih, port, cb) } : null,
    userAgent: o.userAgent ?? DEFAULT_SEEDER_USER_AGENT,
    logger: log.child({ component: 'announcer' }),
  });
  return { client, seedServer, announcer };
}
