/**
 * python3-libtorrent downloading a torrent from its web seeds (BEP 19 url-list) with no peer
 * source at all: no tracker is contacted, DHT, LSD, UPnP and NAT-PMP are off, and the session
 * starts without its default plugins, so there is no ut_pex (nor ut_metadata, smart_ban).
 */
import { spawn } from 'node:child_process';

/** Extra time for python to start and report after its own deadline. */
const REPORT_GRACE_MS = 15_000;

const SCRIPT = `
import libtorrent as lt, sys, time, json
torrent, save, limit = sys.argv[1], sys.argv[2], float(sys.argv[3])
# flags=0: no default plugins (ut_pex, ut_metadata, smart_ban) and nothing started by default.
s = lt.session({'listen_interfaces': '127.0.0.1:0', 'enable_dht': False, 'enable_lsd': False,
                'enable_upnp': False, 'enable_natpmp': False, 'alert_mask': 0}, 0)
ti = lt.torrent_info(torrent)
p = lt.add_torrent_params()
p.ti = ti
p.save_path = save
p.trackers = []
h = s.add_torrent(p)
bt_peers = 0
web_peers = 0
started = time.time()
deadline = started + limit
while time.time() < deadline:
    peers = h.get_peer_info()
    bt_peers = max(bt_peers, len([x for x in peers if x.connection_type == lt.peer_info.standard_bittorrent]))
    web_peers = max(web_peers, len([x for x in peers if x.connection_type != lt.peer_info.standard_bittorrent]))
    if h.status().is_seeding:
        break
    time.sleep(0.05)
st = h.status()
print(json.dumps({'seeding': st.is_seeding, 'progress': st.progress, 'downloaded': st.total_payload_download,
                  'btPeers': bt_peers, 'webPeers': web_peers, 'urlSeeds': list(h.url_seeds()),
                  'seconds': time.time() - started}), flush=True)
`;

/** How a libtorrent web-seed download ended. */
export interface LibtorrentWebSeedDownload {
  seeding: boolean;
  progress: number;
  /** Payload bytes received. */
  downloaded: number;
  /** Most BitTorrent peers connected at once (0 when the web seed did everything). */
  btPeers: number;
  /** Most web-seed connections at once. */
  webPeers: number;
  urlSeeds: string[];
  seconds: number;
}

/** Downloads `torrentFile` into `saveDir` from web seeds alone; resolves with its final state after at most `timeoutMs`. */
export async function libtorrentWebSeedDownload(torrentFile: string, saveDir: string, timeoutMs: number): Promise<LibtorrentWebSeedDownload> {
  // The script goes on the command line (python3 -c): nothing is left in the temp folder.
  const script = SCRIPT;
  const child = spawn('/usr/bin/python3', ['-c', script, torrentFile, saveDir, String(timeoutMs / 1000)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs + REPORT_GRACE_MS);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve)).finally(() => clearTimeout(killer));
  const line = out.trim().split('\n').pop() ?? '';
  if (code !== 0 || !line.startsWith('{')) throw new Error(`libtorrent web-seed downloader exited with ${code}: ${err.slice(-1000)}`);
  return JSON.parse(line) as LibtorrentWebSeedDownload;
}
