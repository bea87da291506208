/**
 * qbittorrent-nox (Debian's 4.5) driven through its WebUI API on 127.0.0.1, with a profile
 * folder of its own written before the first start, so that DHT, LSD, PEX, UPnP/NAT-PMP,
 * peer-country lookups (a GeoIP download) and the WebUI's UPnP are off from the first second,
 * and BitTorrent listens on 127.0.0.1 only. It runs in a process group of its own that dies
 * with this process.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startGroupServer, tailFile, waitFor, type GroupServer } from '../../../deploy/local/wiki/php-server.ts';
import { freeLoopbackPort } from './other-clients.ts';

const READY_TIMEOUT_MS = 30_000;
const POLL_MS = 100;
/** qBittorrent's states once a torrent is whole (from its WebUI API documentation). */
const COMPLETE_STATES = new Set(['uploading', 'stalledUP', 'pausedUP', 'queuedUP', 'forcedUP', 'checkingUP']);

/** The part of /api/v2/torrents/info this helper reads. */
export interface QbtTorrent {
  hash: string;
  name: string;
  state: string;
  progress: number;
  downloaded: number;
  num_seeds: number;
  num_leechs: number;
}

/** What /api/v2/app/preferences reports for the settings a loopback test depends on. */
export interface QbtPrivacy {
  dht: boolean;
  pex: boolean;
  lsd: boolean;
  upnp: boolean;
  resolvePeerCountries: boolean;
  interfaceAddress: string;
}

/** A running qbittorrent-nox. */
export interface Qbittorrent {
  /** http://127.0.0.1:PORT, the WebUI. */
  readonly webUrl: string;
  /** The BitTorrent listening port (127.0.0.1). */
  readonly port: number;
  readonly pgid: number;
  /** Adds a .torrent file, started, saving under `savePath` (the torrent's `commons/` folder goes there). */
  addTorrent(torrent: Uint8Array, savePath: string): Promise<void>;
  torrent(hash: string): Promise<QbtTorrent | undefined>;
  /** Every torrent in the session. */
  torrents(): Promise<QbtTorrent[]>;
  /**
   * Follows an RSS feed as an operator would: RSS processing and auto-downloading on, the feed
   * added under `name`, and a rule downloading every item to `savePath`.
   */
  followFeed(url: string, name: string, savePath: string): Promise<void>;
  /** Fetches the feed now rather than at the next refresh interval. */
  refreshFeed(name: string): Promise<void>;
  /** Removes a torrent from the session; with `deleteFiles` false its files stay on disk. */
  remove(hash: string, o: { deleteFiles: boolean }): Promise<void>;
  /** Stops a torrent (it keeps what it has, and neither downloads nor uploads). */
  pause(hash: string): Promise<void>;
  /** Waits until the torrent is whole, or throws with its last state after `timeoutMs`. */
  whenComplete(hash: string, timeoutMs: number): Promise<QbtTorrent>;
  /** Asks for a forced recheck of the data on disk and waits until it is over (not `checking*`). */
  recheck(hash: string, timeoutMs: number): Promise<QbtTorrent>;
  /**
   * Asks for a forced recheck of several torrents and waits until none is checking or queued
   * for it. A small torrent whole before and after rechecks between two polls without a trace,
   * so this cannot prove the check ran: callers verify the data themselves as well.
   */
  recheckAll(hashes: string[], timeoutMs: number): Promise<QbtTorrent[]>;
  /** The web seed URLs qBittorrent took from the torrent. */
  webSeeds(hash: string): Promise<string[]>;
  privacy(): Promise<QbtPrivacy>;
  /** The tail of qbittorrent-nox's own output and log file. */
  log(): Promise<string>;
  stop(): Promise<void>;
}

function config(o: { port: number; webPort: number; saveDir: string }): string {
  return `[LegalNotice]
Accepted=true

[BitTorrent]
Session\\DHTEnabled=false
Session\\LSDEnabled=false
Session\\PeXEnabled=false
Session\\Port=${o.port}
Session\\Interface=lo
Session\\InterfaceName=lo
Session\\InterfaceAddress=127.0.0.1
Session\\DefaultSavePath=${o.saveDir}
Session\\TempPathEnabled=false
Session\\QueueingSystemEnabled=false
Session\\AddTrackersEnabled=false

[Network]
PortForwardingEnabled=false

[Preferences]
Connection\\ResolvePeerCountries=false
Connection\\ResolvePeerHostNames=false
WebUI\\Address=127.0.0.1
WebUI\\Port=${o.webPort}
WebUI\\LocalHostAuth=false
WebUI\\UseUPnP=false
`;
}

/** Starts qbittorrent-nox with a fresh profile in `profileDir` (created), downloads defaulting to <profileDir>/downloads. */
export async function startQbittorrent(profileDir: string): Promise<Qbittorrent> {
  const [port, webPort] = [await freeLoopbackPort(), await freeLoopbackPort()];
  const saveDir = path.join(profileDir, 'downloads');
  const configDir = path.join(profileDir, 'qBittorrent', 'config');
  await mkdir(configDir, { recursive: true });
  await mkdir(saveDir, { recursive: true });
  await writeFile(path.join(configDir, 'qBittorrent.conf'), config({ port, webPort, saveDir }));
  const outFile = path.join(profileDir, 'qbittorrent-nox.out');
  const logFile = path.join(profileDir, 'qBittorrent', 'data', 'logs', 'qbittorrent.log');
  const server: GroupServer = await startGroupServer({
    command: 'qbittorrent-nox',
    args: [`--profile=${profileDir}`],
    cwd: profileDir,
    env: { ...process.env, HOME: profileDir },
    logFile: outFile,
  });
  const webUrl = `http://127.0.0.1:${webPort}`;
  const log = async () => `qbittorrent-nox output:\n${await tailFile(outFile, 2000)}\nlog:\n${await tailFile(logFile, 2000)}`;
  const api = async (route: string, init?: RequestInit): Promise<Response> => {
    const res = await fetch(`${webUrl}/api/v2/${route}`, { ...init, signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`qBittorrent ${route}: HTTP ${res.status} ${await res.text()}`);
    return res;
  };
  try {
    await waitFor(`qbittorrent-nox's WebUI at ${webUrl}`, async () => {
      if (server.exited()) throw new Error('qbittorrent-nox exited');
      return (await api('app/version')).text();
    }, { timeoutMs: READY_TIMEOUT_MS, intervalMs: POLL_MS, detail: log });
  } catch (err) {
    await server.stop();
    throw err;
  }
  const torrent = async (hash: string) =>
    ((await (await api(`torrents/info?hashes=${hash}`)).json()) as QbtTorrent[])[0];
  return {
    webUrl,
    port,
    pgid: server.pgid,
    async addTorrent(bytes, savePath) {
      const form = new FormData();
      form.append('torrents', new Blob([new Uint8Array(bytes)], { type: 'application/x-bittorrent' }), 'volume.torrent');
      form.append('savepath', savePath);
      form.append('paused', 'false');
      const answer = await (await api('torrents/add', { method: 'POST', body: form })).text();
      if (answer.trim() !== 'Ok.') throw new Error(`qBittorrent refused the torrent: ${answer}`);
    },
    torrent,
    async torrents() {
      return (await (await api('torrents/info')).json()) as QbtTorrent[];
    },
    async followFeed(url, name, savePath) {
      const prefs = { rss_processing_enabled: true, rss_auto_downloading_enabled: true };
      await api('app/setPreferences', { method: 'POST', body: new URLSearchParams({ json: JSON.stringify(prefs) }) });
      await api('rss/addFeed', { method: 'POST', body: new URLSearchParams({ url, path: name }) });
      // qBittorrent 4.5's rule format (later versions also read savePath).
      const rule = {
        enabled: true, mustContain: '', mustNotContain: '', useRegex: false, episodeFilter: '', smartFilter: false,
        previouslyMatchedEpisodes: [], affectedFeeds: [url], ignoreDays: 0, lastMatch: '', addPaused: false, assignedCategory: '', savePath,
      };
      await api('rss/setRule', { method: 'POST', body: new URLSearchParams({ ruleName: `follow ${name}`, ruleDef: JSON.stringify(rule) }) });
    },
    async refreshFeed(name) {
      await api('rss/refreshItem', { method: 'POST', body: new URLSearchParams({ itemPath: name }) });
    },
    async remove(hash, o) {
      await api('torrents/delete', { method: 'POST', body: new URLSearchParams({ hashes: hash, deleteFiles: String(o.deleteFiles) }) });
    },
    async pause(hash) {
      await api('torrents/pause', { method: 'POST', body: new URLSearchParams({ hashes: hash }) });
    },
    async whenComplete(hash, timeoutMs) {
      let last: QbtTorrent | undefined;
      return waitFor(`qBittorrent to complete ${hash}`, async () => {
        last = await torrent(hash);
        return last && last.progress === 1 && COMPLETE_STATES.has(last.state) ? last : undefined;
      }, { timeoutMs, intervalMs: POLL_MS * 2, detail: async () => `last state: ${JSON.stringify(last)}\n${await log()}` });
    },
    async recheck(hash, timeoutMs) {
      await api('torrents/recheck', { method: 'POST', body: new URLSearchParams({ hashes: hash }) });
      let last: QbtTorrent | undefined;
      let seenChecking = false;
      return waitFor(`qBittorrent to recheck ${hash}`, async () => {
        last = await torrent(hash);
        if (!last) return undefined;
        if (last.state.startsWith('checking')) seenChecking = true;
        // A recheck of a small torrent can finish between two polls; a progress below 1 also proves it ran.
        return (seenChecking || last.progress < 1) && !last.state.startsWith('checking') ? last : undefined;
      }, { timeoutMs, intervalMs: POLL_MS, detail: async () => `last state: ${JSON.stringify(last)}\n${await log()}` });
    },
    async recheckAll(hashes, timeoutMs) {
      await api('torrents/recheck', { method: 'POST', body: new URLSearchParams({ hashes: hashes.join('|') }) });
      let last: QbtTorrent[] = [];
      return waitFor(`qBittorrent to recheck ${hashes.length} torrents`, async () => {
        last = ((await (await api(`torrents/info?hashes=${hashes.join('|')}`)).json()) as QbtTorrent[]);
        return last.length === hashes.length && last.every((t) => !t.state.startsWith('checking') && t.state !== 'queuedForChecking' && t.state !== 'moving') ? last : undefined;
      }, { timeoutMs, intervalMs: POLL_MS, detail: async () => `last states: ${JSON.stringify(last.map((t) => [t.hash, t.state, t.progress]))}\n${await log()}` });
    },
    async webSeeds(hash) {
      return ((await (await api(`torrents/webseeds?hash=${hash}`)).json()) as Array<{ url: string }>).map((w) => w.url);
    },
    async privacy() {
      const p = (await (await api('app/preferences')).json()) as Record<string, unknown>;
      return {
        dht: p.dht as boolean, pex: p.pex as boolean, lsd: p.lsd as boolean, upnp: p.upnp as boolean,
        resolvePeerCountries: p.resolve_peer_countries as boolean, interfaceAddress: p.current_interface_address as string,
      };
    },
    log,
    stop: () => server.stop(),
  };
}
