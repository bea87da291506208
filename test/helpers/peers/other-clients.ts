/**
 * Other BitTorrent clients on loopback, for interoperability tests and benchmarks: aria2c as a
 * downloader, python3-libtorrent as a seeder and as a downloader (plain, encrypted, magnet).
 * Local discovery is off everywhere and they listen on 127.0.0.1 only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

const LIBTORRENT_READY_TIMEOUT_MS = 60_000;

/**
 * A TCP port free on every address, not only 127.0.0.1: aria2c binds its --listen-port on all
 * interfaces, and a port another program holds on 127.1.x.x (a test flooding from many loopback
 * addresses) is free on 127.0.0.1 yet makes that bind fail. Probing the dual-stack wildcard
 * finds a port nothing holds anywhere.
 */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '::', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Runs aria2c on a torrent to the end (no DHT, LPD or PEX; seeds nothing after); rejects after timeoutMs. */
export async function aria2Download(torrentFile: string, dir: string, timeoutMs: number): Promise<{ ms: number }> {
  const port = await freeLoopbackPort();
  const args = [
    `--dir=${dir}`, '--seed-time=0', '--enable-dht=false', '--enable-dht6=false', '--bt-enable-lpd=false',
    '--enable-peer-exchange=false', `--listen-port=${port}`, '--console-log-level=warn', '--summary-interval=0',
    '--bt-stop-timeout=120', '--file-allocation=none', '--disable-ipv6=true', '--bt-max-peers=0', torrentFile,
  ];
  const started = performance.now();
  const child = spawn('aria2c', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c, s) => resolve([c, s]));
  }).finally(() => clearTimeout(timer));
  if (signal === 'SIGKILL') throw new Error(`aria2c did not finish within ${timeoutMs} ms\n${out.slice(-2000)}`);
  if (code !== 0) throw new Error(`aria2c exited with ${code}\n${out.slice(-2000)}`);
  return { ms: performance.now() - started };
}

const LIBTORRENT_SEEDER = `
import libtorrent as lt, sys, time
torrent, save, mode = sys.argv[1], sys.argv[2], sys.argv[3]
s = lt.session({'listen_interfaces': '127.0.0.1:0', 'enable_dht': False, 'enable_lsd': False,
                'enable_upnp': False, 'enable_natpmp': False, 'allow_multiple_connections_per_ip': True,
                'alert_mask': 0})
h = s.add_torrent({'ti': lt.torrent_info(torrent), 'save_path': save})
deadline = time.time() + 60
while time.time() < deadline:
    st = h.status()
    if (st.is_seeding if mode == 'seed' else st.state in (lt.torrent_status.downloading, lt.torrent_status.seeding)):
        break
    time.sleep(0.05)
print(s.listen_port(), h.status().is_seeding, flush=True)
sys.stdin.read()
`;

/** A python3-libtorrent seeder on 127.0.0.1. */
export interface LibtorrentSeeder {
  port: number;
  /** The python3 process (for CPU and memory readings). */
  pid: number;
  close(): Promise<void>;
}

/** Starts libtorrent seeding `torrentFile` from `saveDir` (which holds the torrent's `commons/` folder). */
export async function startLibtorrentSeeder(torrentFile: string, saveDir: string): Promise<LibtorrentSeeder> {
  // The script goes on the command line (python3 -c): nothing is left in the temp folder.
  const script = LIBTORRENT_SEEDER;
  const child: ChildProcess = spawn('/usr/bin/python3', ['-c', script, torrentFile, saveDir, 'seed'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const close = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('close', () => resolve()));
    child.kill('SIGKILL');
    await gone;
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`libtorrent seeder not ready in ${LIBTORRENT_READY_TIMEOUT_MS} ms: ${err}`)), LIBTORRENT_READY_TIMEOUT_MS);
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /^(\d+) (True|False)\n/.exec(out);
        if (!m) return;
        clearTimeout(timer);
        if (m[2] !== 'True') reject(new Error('libtorrent does not see the files as complete'));
        else resolve(Number(m[1]));
      });
      child.once('close', (code) => reject(new Error(`libtorrent seeder exited with ${code}: ${err}`)));
    });
    return { port, pid: child.pid!, close };
  } catch (e) {
    await close();
    throw e;
  }
}

const LIBTORRENT_DOWNLOADER = `
import libtorrent as lt, sys, time, json
source, save, peer, enc, limit = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
policy = {'forced': lt.enc_policy.pe_forced, 'enabled': lt.enc_policy.pe_enabled, 'disabled': lt.enc_policy.pe_disabled}[enc]
s = lt.session({'listen_interfaces': '127.0.0.1:0', 'enable_dht': False, 'enable_lsd': False,
                'enable_upnp': False, 'enable_natpmp': False, 'allow_multiple_connections_per_ip': True,
                'enable_outgoing_utp': False, 'enable_incoming_utp': False,
                'out_enc_policy': policy, 'in_enc_policy': policy,
                # A connection dropped once (a CI run under load lost its only one and libtorrent, waiting
                # its default 60 s before trying a failed peer again, never got a byte) is tried again.
                'min_reconnect_time': 1,
                'alert_mask': lt.alert.category_t.error_notification | lt.alert.category_t.peer_notification | lt.alert.category_t.connect_notification})
log = []
p = lt.add_torrent_params() if source.startswith('magnet:') else None
if p is not None:
    p = lt.parse_magnet_uri(source)
    p.save_path = save
    p.trackers = []
    h = s.add_torrent(p)
else:
    h = s.add_torrent({'ti': lt.torrent_info(source), 'save_path': save})
host, port = peer.rsplit(':', 1)
deadline = time.time() + limit
connects = 0
while time.time() < deadline:
    st = h.status()
    if st.num_peers == 0:
        h.connect_peer((host, int(port)))
        connects += 1
    if st.is_seeding:
        break
    for a in s.pop_alerts():
        log.append('%.2f %s: %s' % (limit - (deadline - time.time()), type(a).__name__, a.message()))
        del log[:-30]
    time.sleep(0.05)
st = h.status()
print(json.dumps({'seeding': st.is_seeding, 'progress': st.progress, 'has_metadata': st.has_metadata,
                  'downloaded': st.total_payload_download, 'peers': st.num_peers, 'connects': connects, 'log': log}), flush=True)
`;

/** What a libtorrent download ended with. */
export interface LibtorrentDownload {
  seeding: boolean;
  progress: number;
  hasMetadata: boolean;
  /** Payload bytes received. */
  downloaded: number;
}

/**
 * python3-libtorrent downloads a .torrent file or a magnet link (metadata from peers, BEP 9)
 * from one peer, with MSE encryption forced, allowed or off, into `saveDir`; resolves with
 * its final state (seeding or not) after at most `timeoutMs`.
 */
export async function libtorrentDownload(source: string, saveDir: string, peer: string, encryption: 'forced' | 'enabled' | 'disabled', timeoutMs: number): Promise<LibtorrentDownload> {
  // The script goes on the command line (python3 -c): nothing is left in the temp folder.
  const script = LIBTORRENT_DOWNLOADER;
  const child = spawn('/usr/bin/python3', ['-c', script, source, saveDir, peer, encryption, String(timeoutMs / 1000)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 15_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve)).finally(() => clearTimeout(killer));
  const line = out.trim().split('\n').pop() ?? '';
  if (code !== 0 || !line.startsWith('{')) throw new Error(`libtorrent downloader exited with ${code}: ${err.slice(-1000)}`);
  const r = JSON.parse(line) as { seeding: boolean; progress: number; has_metadata: boolean; downloaded: number; peers: number; connects: number; log: string[] };
  // A download that did not finish says why, from libtorrent's own peer and error alerts (the assertion shows only the state).
  const dropped = r.log.some((l) => l.includes('peer_disconnected_alert'));
  if (!r.seeding || dropped) console.warn(`libtorrent (${encryption}) ${r.seeding ? 'finished, after a dropped connection,' : 'did not finish'} ${source} from ${peer}: ${r.peers} peers at the end, ${r.connects} connects asked; its last alerts:\n${r.log.join('\n')}`);
  return { seeding: r.seeding, progress: r.progress, hasMetadata: r.has_metadata, downloaded: r.downloaded };
}
