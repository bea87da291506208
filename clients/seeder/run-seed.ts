/**
 * The `seedbank seed` daemon loop: open the seeder, host the configured volumes, serve the
 * tree over HTTP if asked, rewrite the status file every few seconds, scrub on a timer, and
 * shut down cleanly on SIGINT/SIGTERM.
 */
import { readFile } from 'node:fs/promises';
import { errorMessage } from '../../shared/errors.ts';
import { userAgent } from '../../shared/http/user-agent.ts';
import type { Logger } from '../../shared/log.ts';
import { formatDuration, formatSize } from '../../shared/units.ts';
import { Follower } from './follow/follower.ts';
import type { SeedConfig } from './config.ts';
import { Seeder } from './host.ts';
import { startHttpMirror, type HttpMirror } from './http-mirror.ts';
import { STATUS_INTERVAL_MS, writeStatus } from './status-file.ts';
import { StatusWriter } from './status-writer.ts';

/** Runs the seeder until `signal` aborts. */
export async function runSeed(c: SeedConfig, o: { logger: Logger; out: (line: string) => void; signal: AbortSignal }): Promise<void> {
  // Bytes written and state changes rewrite the status file soon (bounded), not only every few seconds.
  let writer: StatusWriter | undefined;
  const seeder = await Seeder.open({
    onChange: () => writer?.changed(),
    storage: c.storage,
    quotaBytes: c.quotaBytes,
    torrentPort: c.torrentPort,
    ...(c.torrentHost ? { torrentHost: c.torrentHost } : {}),
    maxDownloadBytesPerSecond: c.maxDownloadBytesPerSecond,
    maxUploadBytesPerSecond: c.maxUploadBytesPerSecond,
    webSeeds: c.webSeeds,
    webSeedConnectionsPerHost: c.webSeedConnectionsPerHost,
    webSeedMaxBytesPerSecond: c.webSeedMaxBytesPerSecond,
    userAgent: userAgent({ contact: c.contact, part: 'seeder' }),
    // The DHT serves following (pointers, peers when the catalogue is down); torrent lists need none.
    dht: c.source.kind === 'catalogue' ? c.follow.dht : false,
    logger: o.logger,
  });
  let follower: Follower | undefined;
  let mirror: HttpMirror | undefined;
  const timers: NodeJS.Timeout[] = [];
  const startedAt = new Date().toISOString();
  const saveStatus = () => {
    const s = seeder.status();
    const listening = mirror ? [...s.listening, { protocol: 'tcp' as const, address: mirror.host, port: mirror.port, purpose: 'http-mirror' as const }] : s.listening;
    return writeStatus(seeder.storage, { ...s, listening, pid: process.pid, startedAt, updatedAt: new Date().toISOString(), ...(mirror ? { httpPort: mirror.port } : {}), ...(follower ? { follow: follower.status() } : {}) })
      .catch((err: unknown) => o.logger.warn({ err }, 'could not write the status file'));
  };
  try {
    let hosted = 0;
    for (const file of c.source.kind === 'torrents' ? c.source.files : []) {
      try {
        const v = await seeder.addVolume(await readFile(file));
        hosted++;
        o.out(`hosting ${v.infoHash} (${v.files} files, ${formatSize(v.totalBytes)}, ${(v.progress * 100).toFixed(1)}% on disk) from ${file}`);
      } catch (err) {
        o.logger.warn({ file, err }, 'volume refused');
        o.out(`refused ${file}: ${errorMessage(err)}`);
      }
    }
    if (c.httpPort !== undefined) {
      mirror = await startHttpMirror({ storage: seeder.storage, port: c.httpPort, host: c.httpHost, isServable: (rel) => seeder.isFileComplete(rel) });
      o.out(`HTTP mirror on ${mirror.url}commons/`);
    }
    if (c.source.kind === 'catalogue') {
      follower = await Follower.open(seeder, {
        catalogueUrl: c.source.url,
        sets: c.source.sets,
        tags: c.source.tags,
        auto: c.source.auto,
        pollIntervalMs: c.follow.pollIntervalMs,
        keepVersions: c.follow.keepVersions,
        autoMinHostingMs: c.follow.autoMinHostingMs,
        pins: c.follow.pins,
        userAgent: userAgent({ contact: c.contact, part: 'seeder' }),
        logger: o.logger,
        out: o.out,
      });
      follower.start();
      o.out(`following ${c.source.url} (${follower.status().mode}) as seeder ${follower.seederId}, polling every ${formatDuration(c.follow.pollIntervalMs)}`);
    }
    o.out(`seeding ${seeder.volumes().length} volumes on port ${seeder.port}; status: seedbank status --storage ${c.storage}`);
    if (c.source.kind === 'torrents' && hosted === 0 && seeder.volumes().length === 0) o.logger.warn('no volume hosted');
    writer = new StatusWriter(saveStatus);
    await writer.now();
    timers.push(setInterval(() => void writer?.now(), STATUS_INTERVAL_MS));
    if (c.scrubShare > 0) {
      timers.push(setInterval(() => {
        seeder.scrub({ share: c.scrubShare }).then(
          (r) => o.logger.info({ pieces: r.reduce((s, x) => s + x.checked, 0), bad: r.reduce((s, x) => s + x.bad.length, 0) }, 'scrub done'),
          (err: unknown) => o.logger.warn({ err }, 'scrub failed'),
        );
      }, c.scrubIntervalMs));
    }
    if (!o.signal.aborted) await new Promise<void>((resolve) => o.signal.addEventListener('abort', () => resolve(), { once: true }));
    o.logger.info('shutting down');
  } finally {
    for (const t of timers) clearInterval(t);
    writer?.close();
    await follower?.close();
    await mirror?.close();
    await seeder.close();
  }
}
