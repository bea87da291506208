/**
 * transmission-daemon (Debian's package) as a seeder on loopback: its own temporary config
 * folder, peers and RPC on 127.0.0.1, DHT, LPD, PEX, uTP and port mapping off. Driven over its
 * JSON RPC, as an institution's scripts or the web UI would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freeLoopbackPort } from './other-clients.ts';

const RPC_READY_TIMEOUT_MS = 30_000;
const POLL_MS = 100;
const STOP_TIMEOUT_MS = 10_000;
/** Transmission's torrent status codes (RPC spec, `status`). */
const STATUS = { stopped: 0, checkWait: 1, check: 2, downloadWait: 3, download: 4, seedWait: 5, seed: 6 } as const;

export interface TransmissionTorrent {
  id: number;
  status: number;
  percentDone: number;
  haveValid: number;
  error: number;
  errorString: string;
}

export interface Transmission {
  /** Where peers connect (127.0.0.1). */
  peerPort: number;
  rpcPort: number;
  /** Adds a torrent whose data already sits in `downloadDir`; resolves with its RPC id. */
  add(torrent: Uint8Array, downloadDir: string): Promise<number>;
  /** Polls until `ready(torrent)` holds; rejects after `timeoutMs` naming what it waited for. */
  waitFor(id: number, what: string, ready: (t: TransmissionTorrent) => boolean, timeoutMs: number): Promise<TransmissionTorrent>;
  /** The torrent's files as Transmission names them on disk (under the download dir), in torrent order. */
  files(id: number): Promise<Array<{ name: string; length: number; bytesCompleted: number }>>;
  /** Asks for a recheck of the data on disk (`torrent-verify`) and waits until it is done. */
  verify(id: number, timeoutMs: number): Promise<TransmissionTorrent>;
  close(): Promise<void>;
}

/** True once a torrent's check of the data on disk is over (it seeds, or it would download what is missing). */
export const isChecked = (t: TransmissionTorrent) => t.status === STATUS.seed || t.status === STATUS.download || t.status === STATUS.downloadWait;

/** True once a torrent is seeding with all its data verified. */
export const isSeeding = (t: TransmissionTorrent) => t.status === STATUS.seed && t.percentDone === 1;

/** Starts transmission-daemon with its config under `configDir`; resolves once its RPC answers. */
export async function startTransmission(configDir: string): Promise<Transmission> {
  await mkdir(configDir, { recursive: true });
  const peerPort = await freeLoopbackPort();
  const rpcPort = await freeLoopbackPort();
  const settings = {
    'bind-address-ipv4': '127.0.0.1',
    'bind-address-ipv6': '::1',
    'peer-port': peerPort,
    'peer-port-random-on-start': false,
    'dht-enabled': false,
    'lpd-enabled': false,
    'pex-enabled': false,
    'utp-enabled': false,
    'port-forwarding-enabled': false,
    'blocklist-enabled': false,
    // The census speaks plain BitTorrent: Transmission's default (prefer encryption) still accepts it; tolerate keeps it simple.
    encryption: 0,
    'rpc-enabled': true,
    'rpc-bind-address': '127.0.0.1',
    'rpc-port': rpcPort,
    'rpc-authentication-required': false,
    'rpc-whitelist-enabled': true,
    'rpc-whitelist': '127.0.0.1',
    'rpc-host-whitelist-enabled': false,
    'download-dir': configDir,
    'incomplete-dir-enabled': false,
    'watch-dir-enabled': false,
    'ratio-limit-enabled': false,
    'idle-seeding-limit-enabled': false,
    'speed-limit-up-enabled': false,
    'start-added-torrents': true,
    'message-level': 1,
  };
  await writeFile(path.join(configDir, 'settings.json'), JSON.stringify(settings, null, 2));
  const child: ChildProcess = spawn('transmission-daemon', ['-f', '-g', configDir, '--log-error'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let sessionId = '';

  const rpc = async <T>(method: string, args: Record<string, unknown> = {}): Promise<T> => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const res = await fetch(`http://127.0.0.1:${rpcPort}/transmission/rpc`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'X-Transmission-Session-Id': sessionId },
        body: JSON.stringify({ method, arguments: args }),
      });
      // The first call of a session is refused with 409 and the id to use.
      if (res.status === 409) {
        sessionId = res.headers.get('X-Transmission-Session-Id') ?? '';
        continue;
      }
      const body = (await res.json()) as { result: string; arguments: T };
      if (body.result !== 'success') throw new Error(`transmission ${method}: ${body.result}`);
      return body.arguments;
    }
    throw new Error(`transmission ${method}: no session id after a 409`);
  };

  const started = performance.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`transmission-daemon exited with ${child.exitCode}\n${log}`);
    try {
      await rpc('session-get');
      break;
    } catch {
      if (performance.now() - started > RPC_READY_TIMEOUT_MS) {
        child.kill('SIGKILL');
        throw new Error(`transmission-daemon's RPC did not answer within ${RPC_READY_TIMEOUT_MS} ms\n${log}`);
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  const get = async (id: number): Promise<TransmissionTorrent> => {
    const { torrents } = await rpc<{ torrents: TransmissionTorrent[] }>('torrent-get', {
      ids: [id], fields: ['id', 'status', 'percentDone', 'haveValid', 'error', 'errorString'],
    });
    if (!torrents[0]) throw new Error(`transmission has no torrent ${id}`);
    return torrents[0];
  };
  const waitFor: Transmission['waitFor'] = async (id, what, ready, timeoutMs) => {
    const until = performance.now() + timeoutMs;
    let last = await get(id);
    while (!ready(last)) {
      if (performance.now() > until) throw new Error(`transmission: timed out after ${timeoutMs} ms waiting for ${what}; last ${JSON.stringify(last)}\n${log}`);
      await new Promise((r) => setTimeout(r, POLL_MS));
      last = await get(id);
    }
    return last;
  };

  return {
    peerPort,
    rpcPort,
    async add(torrent, downloadDir) {
      const added = await rpc<{ 'torrent-added'?: { id: number }; 'torrent-duplicate'?: { id: number } }>('torrent-add', {
        metainfo: Buffer.from(torrent).toString('base64'), 'download-dir': downloadDir,
      });
      const id = (added['torrent-added'] ?? added['torrent-duplicate'])?.id;
      if (id === undefined) throw new Error('transmission did not add the torrent');
      return id;
    },
    waitFor,
    async files(id) {
      const { torrents } = await rpc<{ torrents: Array<{ files: Array<{ name: string; length: number; bytesCompleted: number }> }> }>('torrent-get', { ids: [id], fields: ['files'] });
      if (!torrents[0]) throw new Error(`transmission has no torrent ${id}`);
      return torrents[0].files;
    },
    async verify(id, timeoutMs) {
      await rpc('torrent-verify', { ids: [id] });
      // Transmission queues the check inside the RPC call (its event thread runs the verify at
      // once), so every later torrent-get sees it queued, running or done. A small torrent's
      // check can come and go between two polls on a busy machine: waiting to see it start was
      // a race. Queued, then checking, then back to seeding (or stopped when data is missing).
      return waitFor(id, 'the recheck to end', (t) => t.status !== STATUS.checkWait && t.status !== STATUS.check, timeoutMs);
    },
    async close() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
