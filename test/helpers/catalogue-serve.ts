// The catalogue as the integration tests drive it from outside: `seedbank serve` started through
// the real CLI, versions published over its HTTP API, the tracker's scrape and announce
// answers, a loopback DHT to bootstrap from, and long-running tools (aria2c) to stop cleanly.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import bencode from 'bencode';
import { expect } from 'vitest';
import { createDhtNode, dhtReady, listenDht, type DhtNode } from '../../services/tracker-web/dht/dht-lib.ts';
import { parseManifest, type Manifest } from '../../shared/formats/manifest.ts';
import { startCli, waitFor } from './run-cli.ts';

/** Announces, DHT puts and web-seed downloads on a busy 2-core machine: generous, never fixed sleeps. */
export const NETWORK_WAIT_MS = 60_000;
export const SERVER_START_MS = 30_000;
/** aria2c on loopback only: no DHT, no local peer discovery, no peer exchange. */
export const ARIA2_BASE = ['--enable-dht=false', '--enable-dht6=false', '--bt-enable-lpd=false', '--enable-peer-exchange=false', '--file-allocation=none', '--console-log-level=warn', '--summary-interval=0', '--listen-port=6881-6999'];

/** The catalogue's JSON answers as these tests read them (a missing error fails the assertion reading it). */
export type ApiBody = { error: { code: string; message: string; hint?: string } } & Record<string, unknown>;

/** A running `seedbank serve`: its URL and port, the child process and what it printed. */
export interface ServeHandle {
  url: string;
  port: number;
  child: ReturnType<typeof startCli>['child'];
  done: ReturnType<typeof startCli>['done'];
  output: () => string;
}

/** A version folder's manifest, parsed. */
export const readManifest = async (dir: string): Promise<Manifest> => parseManifest(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
/** An info hash as the tracker's query wants it: every byte percent-encoded. */
export const percentBytes = (hex: string) => hex.replace(/../g, (b) => `%${b}`);

/** Starts `seedbank serve` on a free port and waits for the line that names its URL. */
export async function startServe(catDir: string, extra: string[] = []): Promise<ServeHandle> {
  const { child, done } = startCli(['serve', '--data', catDir, '--port', '0', '--sample-interval', '1s', '--max-upload', '4MB', ...extra]);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  let exited = false;
  void done.then(() => (exited = true));
  const url = await waitFor('the catalogue to print its URL', async () => {
    if (exited) throw new Error(`seedbank serve exited early:\n${(await done).stderr.slice(-3000)}`);
    return /listening on (http:\/\/[\d.]+:\d+)/.exec(out)?.[1];
  }, SERVER_START_MS);
  return { url, port: Number(new URL(url).port), child, done, output: () => out };
}

/** Stops a `seedbank serve` with SIGTERM and expects it to exit cleanly. */
export async function stopServe(s: ServeHandle): Promise<void> {
  s.child.kill('SIGTERM');
  const r = await s.done;
  expect(r.code, r.stderr.slice(-2000)).toBe(0);
}

/** PUTs every file of a version folder and commits it, as a client would, returning the raw answer. */
export async function uploadAndCommit(to: { url: string; token: string }, dir: string, replace: Record<string, Uint8Array> = {}): Promise<{ status: number; body: ApiBody }> {
  const m = await readManifest(dir);
  const base = `${to.url}/api/publish/${m.set.id}/${m.version}`;
  const auth = { authorization: `Bearer ${to.token}` };
  for (const name of ['manifest.json', 'manifest.sig', 'pages.xml.gz', 'metadata.torrent', 'pointer.json', ...m.volumes.map((v) => v.torrent)]) {
    const body = Buffer.from(replace[name] ?? (await readFile(path.join(dir, name))));
    const r = await fetch(`${base}/${name}`, { method: 'PUT', headers: auth, body });
    expect(r.status, `${name}: ${await r.clone().text()}`).toBe(201);
  }
  const r = await fetch(`${base}/commit`, { method: 'POST', headers: auth });
  return { status: r.status, body: await r.json() };
}

/** The tracker's scrape counts for one info hash (zeros when it knows none). */
export async function scrape(url: string, infoHash: string): Promise<{ complete: number; incomplete: number }> {
  const r = await fetch(`${url}/scrape?info_hash=${percentBytes(infoHash)}`);
  const body = bencode.decode(Buffer.from(await r.arrayBuffer())) as { files: Record<string, { complete: number; incomplete: number }> };
  const entry = Object.values(body.files)[0];
  return entry ?? { complete: 0, incomplete: 0 };
}

/** The `failure reason` of an HTTP announce with this query ('' when it succeeded). */
export async function announceFailure(url: string, query: string): Promise<string> {
  const r = await fetch(`${url}/announce?${query}`);
  const body = bencode.decode(Buffer.from(await r.arrayBuffer())) as Record<string, Uint8Array>;
  return Buffer.from(body['failure reason'] ?? []).toString();
}

/** Starts `count` DHT nodes on loopback, the first alone and the others bootstrapped from it. */
export async function startLoopbackDht(count: number): Promise<DhtNode[]> {
  const first = createDhtNode({ bootstrap: false });
  const nodes = [first];
  const firstPort = await listenDht(first, 0, '127.0.0.1');
  for (let i = 1; i < count; i++) {
    const n = createDhtNode({ bootstrap: [`127.0.0.1:${firstPort}`] });
    nodes.push(n);
    await listenDht(n, 0, '127.0.0.1');
    await dhtReady(n);
  }
  return nodes;
}

/**
 * Starts a long-running tool; `stop` ends it with SIGINT (then SIGKILL) and waits. SIGINT, not
 * SIGTERM: aria2c sends its tracker "stopped" announce on SIGINT only.
 */
export function startTool(cmd: string, args: string[]): { stop: () => Promise<void> } {
  const child = spawn(cmd, args, { stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGINT');
      const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(force);
    },
  };
}
