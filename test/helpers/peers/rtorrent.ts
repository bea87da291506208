/**
 * rtorrent (Debian's 0.9.8) as a seeder on loopback: headless (`system.daemon.set`, so it needs
 * no terminal), its own config file and session folder in a temporary folder, peers on
 * 127.0.0.1 only, DHT and PEX off, UDP trackers off and no tracker. Driven over its XML-RPC on
 * a local SCGI socket, as rutorrent or an institution's scripts would.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { startGroupServer, tailFile, waitFor, type GroupServer } from '../../../deploy/local/wiki/php-server.ts';
import { freeLoopbackPort } from './other-clients.ts';

const READY_TIMEOUT_MS = 30_000;
const POLL_MS = 100;
const RPC_TIMEOUT_MS = 10_000;

/** What the helper reads of one download (d.* commands). */
export interface RtorrentDownload {
  complete: boolean;
  hashing: boolean;
  active: boolean;
  completedChunks: number;
  message: string;
}

/** A running rtorrent. */
export interface Rtorrent {
  /** The BitTorrent listening port (127.0.0.1). */
  readonly port: number;
  /** Loads a .torrent file, started, its `commons/` folder under `dataDir`; resolves with its info hash (upper-case hex). */
  add(torrentFile: string, dataDir: string): Promise<string>;
  download(hash: string): Promise<RtorrentDownload>;
  /** Polls until `ready(download)` holds; rejects after `timeoutMs` naming what it waited for. */
  waitFor(hash: string, what: string, ready: (d: RtorrentDownload) => boolean, timeoutMs: number): Promise<RtorrentDownload>;
  /** Asks for a hash check of the data on disk (`d.check_hash`) and waits until it is done. */
  recheck(hash: string, timeoutMs: number): Promise<RtorrentDownload>;
  log(): Promise<string>;
  stop(): Promise<void>;
}

/** True once a download is whole, checked and started. */
export const isRtorrentSeeding = (d: RtorrentDownload) => d.complete && !d.hashing && d.active;

function config(o: { port: number; session: string; socket: string; dir: string; logFile: string }): string {
  return `system.daemon.set = true
session.path.set = ${o.session}
directory.default.set = ${o.dir}
network.scgi.open_local = ${o.socket}
network.bind_address.set = 127.0.0.1
network.local_address.set = 127.0.0.1
network.port_range.set = ${o.port}-${o.port}
network.port_random.set = no
dht.mode.set = disable
protocol.pex.set = no
trackers.use_udp.set = no
throttle.global_up.max_rate.set_kb = 0
log.open_file = "main", ${o.logFile}
log.add_output = "info", "main"
`;
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Sends one XML-RPC call over rtorrent's SCGI socket and resolves with the raw reply. */
function rpcReply(socket: string, method: string, params: string[]): Promise<string> {
  const body = `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params>${params
    .map((p) => `<param><value><string>${escapeXml(p)}</string></value></param>`)
    .join('')}</params></methodCall>`;
  const headers = `CONTENT_LENGTH\0${Buffer.byteLength(body)}\0SCGI\x001\0`;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const conn = net.createConnection(socket);
    conn.setTimeout(RPC_TIMEOUT_MS, () => conn.destroy(new Error(`rtorrent ${method}: no answer in ${RPC_TIMEOUT_MS} ms`)));
    conn.on('data', (d: Buffer) => chunks.push(d));
    conn.on('error', reject);
    conn.on('close', () => {
      const reply = Buffer.concat(chunks).toString();
      if (/<fault>/.test(reply)) reject(new Error(`rtorrent ${method}(${params.join(', ')}): ${reply.match(/<string>([^<]*)<\/string>/)?.[1] ?? reply}`));
      else resolve(reply);
    });
    conn.end(`${Buffer.byteLength(headers)}:${headers},${body}`);
  });
}

/** One XML-RPC call; resolves with the first scalar of the reply. */
async function xmlRpc(socket: string, method: string, params: string[]): Promise<string> {
  const reply = await rpcReply(socket, method, params);
  const value = reply.match(/<value>\s*(?:<(?:i4|i8|int|string)>([^<]*)<\/(?:i4|i8|int|string)>|<string\/>)/);
  if (!value) throw new Error(`rtorrent ${method}: unreadable reply ${JSON.stringify(reply.slice(0, 500))}`);
  return value[1] ?? '';
}

/** The info hashes rtorrent holds (download_list answers an array of strings). */
async function listHashes(socket: string): Promise<string[]> {
  const reply = await rpcReply(socket, 'download_list', []);
  return [...reply.matchAll(/<string>([0-9A-F]{40})<\/string>/g)].map((m) => m[1]!);
}

/** Starts rtorrent with its config and session under `home` (created); resolves once its XML-RPC answers. */
export async function startRtorrent(home: string): Promise<Rtorrent> {
  const port = await freeLoopbackPort();
  const session = path.join(home, 'session');
  const dir = path.join(home, 'downloads');
  const socket = path.join(home, 'rpc.socket');
  const logFile = path.join(home, 'rtorrent.log');
  const outFile = path.join(home, 'rtorrent.out');
  await mkdir(session, { recursive: true });
  await mkdir(dir, { recursive: true });
  const configFile = path.join(home, 'rtorrent.rc');
  await writeFile(configFile, config({ port, session, socket, dir, logFile }));
  const server: GroupServer = await startGroupServer({
    command: 'rtorrent',
    // -n: no ~/.rtorrent.rc; the config is imported instead.
    args: ['-n', '-o', `import=${configFile}`],
    cwd: home,
    env: { ...process.env, HOME: home },
    logFile: outFile,
  });
  const log = async () => `rtorrent output:\n${await tailFile(outFile, 2000)}\nlog:\n${await tailFile(logFile, 2000)}`;
  const call = (method: string, ...params: string[]) => xmlRpc(socket, method, params);
  try {
    await waitFor(`rtorrent's XML-RPC on ${socket}`, async () => {
      if (server.exited()) throw new Error('rtorrent exited');
      return call('system.client_version');
    }, { timeoutMs: READY_TIMEOUT_MS, intervalMs: POLL_MS, detail: log });
  } catch (err) {
    await server.stop();
    throw err;
  }
  const download = async (hash: string): Promise<RtorrentDownload> => ({
    complete: (await call('d.complete', hash)) === '1',
    hashing: (await call('d.hashing', hash)) !== '0',
    active: (await call('d.is_active', hash)) === '1',
    completedChunks: Number(await call('d.completed_chunks', hash)),
    message: await call('d.message', hash),
  });
  const waitDownload = (hash: string, what: string, ready: (d: RtorrentDownload) => boolean, timeoutMs: number) => {
    let last: RtorrentDownload | undefined;
    return waitFor(`rtorrent: ${what}`, async () => {
      last = await download(hash);
      return ready(last) ? last : undefined;
    }, { timeoutMs, intervalMs: POLL_MS, detail: async () => `last: ${JSON.stringify(last)}\n${await log()}` });
  };
  return {
    port,
    async add(torrentFile, dataDir) {
      const before = new Set((await listHashes(socket)));
      // d.directory.set appends the torrent's name (`commons`) for a multi-file torrent.
      await call('load.start_verbose', '', torrentFile, `d.directory.set="${dataDir}"`);
      return waitFor(`rtorrent to list ${torrentFile}`, async () => (await listHashes(socket)).find((h) => !before.has(h)), {
        timeoutMs: READY_TIMEOUT_MS, intervalMs: POLL_MS, detail: log,
      });
    },
    download,
    waitFor: waitDownload,
    async recheck(hash, timeoutMs) {
      await call('d.check_hash', hash);
      return waitDownload(hash, 'the hash check to finish', (d) => !d.hashing, timeoutMs);
    },
    log,
    stop: () => server.stop(),
  };
}
