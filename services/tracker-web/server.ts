/**
 * The long-running catalogue: one HTTP server (Express app) and one UDP socket on the same
 * port number (the UDP tracker), the LMDB store, the swarm sampler, the staging sweep and,
 * when asked, a DHT node that keeps every set's pointer alive. `close()` stops all of them.
 */
import type { Socket } from 'node:dgram';
import { createServer } from 'node:http';
import { isIPv6 } from 'node:net';
import { silentLogger, type Logger } from '../../shared/log.ts';
import { lowerOtherThreads } from '../../shared/thread-priority.ts';
import { buildCatalogueApp, type AppExtension, type RateLimits } from './app.ts';
import { appPrototypeClasses } from './web/app-prototypes.ts';
import { DEFAULT_WARM_UP_REQUESTS, storeWarmUpPaths, warmUpBudgetMs, warmUpCode } from './web/code-warm-up.ts';
import { listenBoth } from './web/listen.ts';
import { RequestGate } from './web/request-gate.ts';
import { PointerPublisher } from './dht/pointer-publisher.ts';
import { Staging } from './publish/staging.ts';
import { removeOrphanParts } from './publish/split-commit.ts';
import { CatalogueStore } from './store/catalogue-store.ts';
import { CatalogueTracker } from './tracker/catalogue-tracker.ts';
import { SwarmSampler } from './tracker/swarm-sampler.ts';
import { mountMetrics } from './metrics.ts';
import { censusRouter } from './redundancy/census-routes.ts';
import { censusWorkRouter } from './census-work/census-work-routes.ts';
import type { PeerAuditResult } from './census/index.ts';
import { CensusRunner, DEFAULT_CENSUS_INTERVAL_MS } from './redundancy/census-runner.ts';
import { CopyIndex } from './redundancy/copy-index.ts';
import { seedingHosts } from './redundancy/network-figures.ts';
import type { CopyMode } from './operators/copy-figures.ts';
import { OperatorRegistry } from './operators/operator-list.ts';
import { takedownRouter } from './takedown/takedown-routes.ts';
import { seederRouter } from './seeders/seeder-routes.ts';
import { SeederReports } from './seeders/seeder-reports.ts';
import { pageRouter } from './views/page-routes.ts';
import { prepareHomeView } from './views/home-model.ts';
import { DrillLog } from './drills/drill-log.ts';
import { drillSummary } from './drills/drill-record.ts';
import { drillRouter } from './drills/drill-routes.ts';
import { registerDrillMetrics } from './drills/drill-metrics.ts';
import { copiesExportRouter } from './export/copies-export.ts';
import { claimCounts } from './redundancy/needs.ts';

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';
/** Default cap on one uploaded file (manifest or pages of a very large set). */
export const DEFAULT_MAX_UPLOAD_BYTES = 512 * 1024 * 1024;
/** Staged uploads untouched this long are abandoned and removed. */
const STAGING_TTL_MS = 6 * 60 * 60 * 1000;
const STAGING_SWEEP_INTERVAL_MS = 15 * 60 * 1000;
/** Open connections get this long to finish on close before they are cut. */
const CLOSE_GRACE_MS = 5_000;
/** How often the background position fill logs its progress. */
const POSITION_FILL_LOG_MS = 10_000;
/**
 * How long a start may spend, before it serves, on the copy figures whose census changed while
 * the catalogue was down and on the tracked info hashes; what is left runs in the background.
 */
export const DEFAULT_START_WARM_MS = 2_000;
/**
 * How far below the event loop `seedbank serve` puts the catalogue's other threads (nice values):
 * on a 2-core machine, the first 2,000 lookups after a start went from 3.8-4.0 to 2.6-3.3 ms p99
 * with it (README, "Catalogue at scale").
 */
export const DEFAULT_BACKGROUND_NICE = 10;

/** DHT settings; absent: no DHT. */
export interface DhtSettings {
  /** 'host:port' nodes; undefined: the library's public bootstrap routers. */
  bootstrap?: string[];
  port?: number;
  reputIntervalMs?: number;
}

export interface CatalogueServerOptions {
  dataDir: string;
  port?: number;
  host?: string;
  logger?: Logger;
  publicUrl?: string;
  trustProxy?: boolean;
  maxUploadBytes?: number;
  sampleIntervalMs?: number;
  announceIntervalMs?: number;
  /** How long a peer counts after its last announce (default: two announce intervals and five minutes). */
  peerTtlMs?: number;
  /** Peers one host may hold per swarm (default 8). */
  trackerPeersPerAddress?: number;
  /** Announces one host may send per minute (default 600; 0: no limit). */
  trackerAnnouncesPerMinute?: number;
  rateLimits?: Partial<RateLimits>;
  dht?: DhtSettings | null;
  extensions?: AppExtension[];
  /** Census schedule; null turns it off (tests that drive rounds themselves). */
  census?: { intervalMs?: number; concurrency?: number; timeoutMs?: number; roundBudgetMs?: number; maxAgeMs?: number; autoStart?: boolean; maxBytesPerSecond?: number; verifiedCacheBytes?: number; workers?: { leaseTtlMs?: number; leaseVolumes?: number; idleRetryMs?: number } | null; onVerdict?: (r: PeerAuditResult, taker: string) => void } | null;
  /**
   * Seeder reports: how long a claim counts before the census must confirm it, from when it was
   * made or its download last moved (default two census intervals), the slowest progress that
   * keeps it (default 1 Mbit/s), operators counted per host (default 4).
   */
  seederReports?: { claimAuditGraceMs?: number; minProgressBytesPerMs?: number; operatorsPerHost?: number };
  /** What the headline `copies` counts: any audited host (default) or distinct approved operators (DATA/operators.json). */
  copies?: CopyMode;
  /** Recompute the copy figures on a worker thread (true) or the main thread in slices (false); unset: on a worker with 4 cores or more (redundancy/warm-protocol.ts). */
  copyWarmUpOnWorker?: boolean;
  /**
   * Milliseconds a start may spend before it serves bringing the copy figures up to date and
   * loading the tracked info hashes (default DEFAULT_START_WARM_MS; 0: all in the background).
   */
  startWarmMs?: number;
  /** Lookups a start answers to itself before it serves, so that visitors meet compiled code (default DEFAULT_WARM_UP_REQUESTS; 0: none; web/code-warm-up.ts). */
  warmUpRequests?: number;
  /** Nice value above the event loop's for the process's other threads, set before it serves (shared/thread-priority.ts; default 0: left alone, as a library in someone else's process should). */
  backgroundNice?: number;
  /** Called once the catalogue accepts connections, before its start is done (their requests wait until then); the start waits for it (tests). */
  onListening?: (port: number, held: () => number) => Promise<void> | void;
  /** Requests a start holds before it answers 503 (default MAX_HELD_REQUESTS, web/request-gate.ts). */
  maxHeldRequests?: number;
  /** Called as each start-up phase ends, with the phase's name (the bench's start-up timeline). */
  onStartPhase?: (phase: string) => void;
}

/** Census rounds a seeder's claim counts for before a verified copy must back it. */
const CLAIM_AUDIT_GRACE_ROUNDS = 2;

export interface CatalogueServer {
  /** http://host:port */
  url: string;
  host: string;
  /** The HTTP and UDP port. */
  port: number;
  store: CatalogueStore;
  tracker: CatalogueTracker;
  sampler: SwarmSampler;
  dht: PointerPublisher | null;
  census: CensusRunner;
  copies: CopyIndex;
  close(): Promise<void>;
}

/** Resolves when `p` settles or after `ms`, whichever comes first (never rejects: `p`'s owner handles its failure). */
async function settledWithin(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p.catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** Starts the catalogue; resolves once HTTP and UDP listen, requests are served (the DHT node too, if any). */
export async function startCatalogueServer(o: CatalogueServerOptions): Promise<CatalogueServer> {
  const startedAt = performance.now();
  const logger = o.logger ?? silentLogger;
  const host = o.host ?? DEFAULT_HOST;
  const phase = o.onStartPhase ?? (() => undefined);
  const store = CatalogueStore.open(o.dataDir);
  phase('store open');
  const staging = new Staging(o.dataDir, o.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES);
  const tracker = new CatalogueTracker({ store, logger: logger.child({ component: 'tracker' }), announceIntervalMs: o.announceIntervalMs, peerTtlMs: o.peerTtlMs, trustProxy: o.trustProxy, peersPerAddress: o.trackerPeersPerAddress, announcesPerMinute: o.trackerAnnouncesPerMinute });
  const sampler = new SwarmSampler({
    store,
    swarms: () => tracker.swarms(),
    sets: () => store.listSets().flatMap((r) => (r.latest ? [{ setId: r.id, seeders: seedingHosts(tracker.swarmStore, r.latest.volumes) }] : [])),
    logger,
    intervalMs: o.sampleIntervalMs,
  });
  phase('tracker');
  // Read once here (kept by the store until a publish): the census restore and the home view both walk it.
  // Paged in first from several threads: on a cold start this list is what waits for the disk.
  const prefetch = store.prefetchSetList();
  // While the prefetch threads wait for the disk: the home view's volume sizes, which need no set list.
  const volumeSizes = store.volumeSizes();
  phase('volume sizes');
  await prefetch;
  phase('set list prefetch');
  store.listSets();
  phase('set list');
  let dht: PointerPublisher | null = null;
  const census = new CensusRunner({
    store,
    swarms: tracker.swarmStore,
    logger: logger.child({ component: 'census' }),
    intervalMs: o.census?.intervalMs,
    concurrency: o.census?.concurrency,
    timeoutMs: o.census?.timeoutMs,
    roundBudgetMs: o.census?.roundBudgetMs,
    maxAgeMs: o.census?.maxAgeMs,
    maxBytesPerSecond: o.census?.maxBytesPerSecond,
    verifiedCacheBytes: o.census?.verifiedCacheBytes,
    workers: o.census?.workers,
    onVerdict: o.census?.onVerdict,
    seenAt: (host) => tracker.swarmStore.seenAt(host),
    // Restored below, after the home view: see there.
    deferRestore: true,
  });
  phase('census runner');
  // Requests answered (HTTP and UDP), so background work can tell when it should make room.
  let served = 0;
  // The registry reads the list once at construction, before the copy index exists.
  let operatorsChanged = (): void => undefined;
  const operators = new OperatorRegistry(o.dataDir, {
    onChange: () => operatorsChanged(),
    onError: (err) => logger.warn({ err }, 'the approved operator list cannot be read; the last good one stays in force'),
  });
  const copies = new CopyIndex(store, census, {
    maxAgeMs: o.census?.maxAgeMs,
    requestsServed: () => served,
    counting: { mode: o.copies ?? 'any', operators: () => operators.current() },
    onWorkerError: (err) => logger.warn({ err }, 'the copy-figure warm-up worker failed; the warm-up runs on the main thread instead'),
    warmWorker: o.copyWarmUpOnWorker,
  });
  phase('copy index (kept figures)');
  operatorsChanged = () => {
    copies.invalidate();
    // Pages read the last known figures: the warm-up brings them to the new operator list.
    void copies.warm().catch((err: unknown) => logger.warn({ err }, 'copy figures warm-up failed'));
  };
  census.onRound = (round) => {
    // Only the sets with a volume whose holders changed in the round are walked again (figure-basis.ts).
    copies.invalidate('census');
    // The warm-up recomputes every set's figures in slices and records them in the copy history
    // (the trend tells a network that heals from one that decays), without stalling the tracker.
    void copies.warm(round.startedAt).catch((err: unknown) => logger.warn({ err }, 'copy figures warm-up failed'));
  };
  const sources = { store, copies, swarms: tracker.swarmStore, now: () => new Date(), census };
  const seederReports = new SeederReports({
    claimAuditGraceMs: o.seederReports?.claimAuditGraceMs ?? CLAIM_AUDIT_GRACE_ROUNDS * (o.census?.intervalMs ?? DEFAULT_CENSUS_INTERVAL_MS),
    minProgressBytesPerMs: o.seederReports?.minProgressBytesPerMs,
    operatorsPerHost: o.seederReports?.operatorsPerHost,
    copyVerified: (ih, address, key, since) => census.confirms(ih, address, key, since),
  });
  const drills = await DrillLog.open(o.dataDir, logger);
  phase('drill log');
  const app = buildCatalogueApp({
    store,
    staging,
    tracker,
    logger,
    publicUrl: o.publicUrl,
    trustProxy: o.trustProxy,
    rateLimits: o.rateLimits,
    routers: [
      drillRouter({ store, log: drills, logger }),
      copiesExportRouter(sources),
      pageRouter(sources, { offer: () => seederReports.offer(), claims: () => claimCounts(seederReports.holders()), drills: () => drills.recent().map(drillSummary), publicUrl: o.publicUrl }),
      takedownRouter(o.dataDir),
      censusRouter(census),
      censusWorkRouter({ store, work: census }),
      seederRouter({ reports: seederReports, store, volumeCopies: (ih) => copies.volumeCopies(ih), seenRecently: (ip) => tracker.swarmStore.seenRecently(ip) }),
    ],
    extensions: [
      (a) => registerDrillMetrics(mountMetrics(a, { ...sources, offer: () => seederReports.offer() }), drills),
      ...(o.extensions ?? []),
    ],
    onPublished: (setId) => {
      // The census did not change: only the sets whose latest version has no figures yet are walked.
      copies.invalidate('publish');
      void copies.warm().catch((err: unknown) => logger.warn({ err }, 'copy figures warm-up failed'));
      dht?.announce(setId);
    },
  });
  // Requests and responses are made with the app's prototypes: express then changes no object's
  // prototype per request, which had kept every request's garbage alive past young collections.
  const classes = appPrototypeClasses(app);
  // Requests that come during the start wait at the gate, then are answered in order (web/request-gate.ts).
  const gate = new RequestGate((req, res) => {
    served++;
    if (!tracker.handleRaw(req, res)) app(req, res);
  }, o.maxHeldRequests);
  const http = createServer(classes, gate.listener);
  let udp: Socket | null = null;
  const sweepTimer = setInterval(() => {
    staging.sweep(STAGING_TTL_MS).catch((err: unknown) => logger.warn({ err }, 'staging sweep failed'));
  }, STAGING_SWEEP_INTERVAL_MS);
  sweepTimer.unref();

  // A catalogue made before the title search index gets its titles indexed in the background; publishes index their own.
  const stopIndexing = new AbortController();
  let indexing: Promise<void> = Promise.resolve();
  // The tracker's set of tracked info hashes fills at start (in the background past the start's
  // warm-up budget); until then a miss reads the store.
  let trackedLoading: Promise<void> = Promise.resolve();
  // A format-3 store's set positions are written after listen (position-fill.ts).
  let positionFill: Promise<unknown> = Promise.resolve();

  let closing: Promise<void> | null = null;
  // Idempotent: a Ctrl-C handler and a finally block may both ask.
  const close = () => (closing ??= closeOnce());
  const closeOnce = async () => {
    gate.refuseAll();
    clearInterval(sweepTimer);
    sampler.stop();
    await census.stop();
    copies.invalidate(); // abandons a running warm-up before the store closes
    // ...and waits for it: its worker thread reads the store's LMDB environment until it has ended.
    await copies.whenWarm();
    stopIndexing.abort();
    await indexing;
    await trackedLoading;
    await positionFill;
    await dht?.close();
    await tracker.close();
    await new Promise<void>((resolve) => {
      if (!http.listening) return resolve();
      const force = setTimeout(() => http.closeAllConnections(), CLOSE_GRACE_MS);
      force.unref();
      http.close(() => {
        clearTimeout(force);
        resolve();
      });
      http.closeIdleConnections();
    });
    if (udp) await new Promise<void>((resolve) => udp!.close(() => resolve()));
    await store.close();
  };

  phase('app and routes');
  try {
    // Listening first: a proxy's connections during the start are accepted and their requests
    // held, not refused; they are answered once the start is done. UDP announces are answered at once.
    const bound = await listenBoth(http, o.port ?? DEFAULT_PORT, host);
    udp = bound.udp;
    udp.on('error', (err) => logger.warn({ err }, 'UDP tracker socket error'));
    tracker.attachUdp(udp);
    udp.on('message', () => {
      served++;
    });
    phase('listen');
    await o.onListening?.(bound.port, () => gate.waiting);
    await staging.sweep(STAGING_TTL_MS);
    // No commit runs yet: every parts folder no stored version names is an orphan.
    await removeOrphanParts(store, logger);
    phase('staging sweep, orphan parts');
    // The home page's walk over every set and volume (last known figures, no recount) belongs to start-up.
    prepareHomeView(sources, volumeSizes);
    phase('home view');
    // After the home view (which reads last known figures, not the census's): LMDB unmaps its
    // chunks all at once when about 8,000 are mapped, and the start maps more than that; the
    // later that purge comes in start-up, the fewer chunks are mapped when requests begin (with
    // it earlier, the next purge fell on the first requests: a first home page of 1.0–1.2 s).
    census.restoreFromStore();
    phase('census restore');
    // The copy figures and the tracked info hashes are ready before the first request when that
    // takes little (a restart whose census changed a few sets' holders): otherwise the first
    // seconds of requests would share the event loop, and the young collections, with them.
    const warming = copies.warm();
    warming.catch((err: unknown) => logger.warn({ err }, 'copy figures warm-up failed'));
    trackedLoading = tracker.loadTracked(stopIndexing.signal).catch((err: unknown) => logger.warn({ err }, 'the tracked info hashes could not be loaded; announces read the store until the next start'));
    await settledWithin(Promise.all([warming, trackedLoading]), o.startWarmMs ?? DEFAULT_START_WARM_MS);
    phase('warm-up before serving');
    const paths = () => storeWarmUpPaths((n) => store.lookup.sampleSha1s(n), o.warmUpRequests ?? DEFAULT_WARM_UP_REQUESTS);
    const code = await warmUpCode(app, classes, paths, warmUpBudgetMs(performance.now() - startedAt));
    if (code.failed > 0) logger.warn({ ...code }, 'some of the lookups a start answers to itself failed; the catalogue starts anyway');
    else if (code.requests > 0) logger.info({ ...code }, 'answered its own lookups before serving, to compile the code requests run');
    phase('code warm-up before serving');
    // With --expose-gc (deploy/catalogue/catalogue.env) a full collection before the first
    // request: what the start built is moved out of the young generation now, not copied and
    // promoted by the young collections under the first requests.
    globalThis.gc?.();
    phase('collection before serving');
    // Last before serving, when libuv's pool and V8's helpers exist: they yield the CPU to requests.
    const lowered = lowerOtherThreads(o.backgroundNice ?? 0);
    if (lowered > 0) logger.info({ threads: lowered, nice: o.backgroundNice }, 'the other threads run below the event loop');
    const held = gate.open();
    phase('serving');
    if (held > 0 || gate.refused > 0) logger.info({ held, refused: gate.refused }, 'answered the requests that came during the start');
    if (store.positionFillPending()) {
      logger.info('writing the set positions of a store upgraded from format 3, in the background; file pages read by binary search until then');
      let logged = 0;
      positionFill = store
        .fillPendingPositions({
          signal: stopIndexing.signal,
          onVersion: (no, last) => {
            if (Date.now() - logged < POSITION_FILL_LOG_MS && no < last) return;
            logged = Date.now();
            logger.info({ version: no, of: last }, 'writing set positions');
          },
        })
        .catch((err: unknown) => logger.warn({ err }, 'the set positions could not be written; file pages read by binary search, the next start resumes'));
    }
    sampler.start();
    if (o.census !== null && o.census?.autoStart !== false) census.start();
    indexing = store
      .rebuildTitleIndex({ signal: stopIndexing.signal, onBatch: (titles) => logger.info({ titles }, 'indexing file titles for search') })
      .catch((err: unknown) => logger.warn({ err }, 'the title search index could not be built; search finds fewer files until the next start'));
    if (o.dht) {
      dht = new PointerPublisher({ store, logger: logger.child({ component: 'dht' }), host, bootstrap: o.dht.bootstrap, port: o.dht.port, reputIntervalMs: o.dht.reputIntervalMs });
      await dht.start();
    }
    phase('background work started');
    const urlHost = isIPv6(host) ? `[${host}]` : host;
    const port = bound.port;
    logger.info({ host, port, sets: store.listSets().length, dht: Boolean(dht) }, 'catalogue listening');
    return { url: `http://${urlHost}:${port}`, host, port, store, tracker, sampler, dht, census, copies, close };
  } catch (err) {
    // close() answers the held requests first.
    await close().catch(() => undefined);
    throw err;
  }
}
