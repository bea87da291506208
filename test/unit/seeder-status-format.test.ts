// What `seedbank status` prints about open ports and about per-volume disk figures that share files.
import { describe, expect, it } from 'vitest';
import { formatStatus, type StatusRecord } from '../../clients/seeder/status-file.ts';
import type { VolumeStatus } from '../../clients/seeder/volume-status.ts';

const MB = 1_000_000;

function volume(infoHash: string, bytesOnDisk: number): VolumeStatus {
  return {
    infoHash, activity: 'seeding', files: 3, totalBytes: bytesOnDisk, verifiedBytes: bytesOnDisk, progress: 1, peers: 0, webSeeds: 0,
    downloadBytesPerSecond: 0, uploadBytesPerSecond: 0, receivedBytes: 0, uploadedBytes: 0, webSeedBytes: 0, bytesOnDisk,
    addedAt: '2026-01-01T00:00:00.000Z', blockedPieces: 0, engine: 'seed-server',
  };
}

function record(o: Partial<StatusRecord>): StatusRecord {
  const now = new Date().toISOString();
  return {
    pid: 1, startedAt: now, updatedAt: now, storage: '/srv/seedbank', port: 6881, listening: [], operatorKey: 'a'.repeat(64),
    quotaBytes: 1e9, diskUseBytes: 0, freeBytes: 1e12, downloading: true, downloadBytesPerSecond: 0, uploadBytesPerSecond: 0, openFiles: 0, volumes: [],
    ...o,
  };
}

describe('seedbank status', () => {
  it('names every open port and what it is for', () => {
    const lines = formatStatus(record({
      listening: [
        { protocol: 'tcp', address: '::', port: 6881, purpose: 'peers' },
        { protocol: 'udp', address: '0.0.0.0', port: 6881, purpose: 'dht' },
        { protocol: 'tcp', address: '127.0.0.1', port: 8080, purpose: 'http-mirror' },
      ],
    }));
    expect(lines).toContain(
      'listening (nothing else is open): TCP 6881 on every interface: BitTorrent peers; UDP 6881 on every interface: BitTorrent DHT; TCP 8080 on 127.0.0.1: HTTP mirror of the tree',
    );
  });

  it('says why the per-volume "on disk" column adds up to more than the storage total when volumes share files', () => {
    const shared = formatStatus(record({ diskUseBytes: 8.3 * MB, volumes: [volume('a'.repeat(40), 6 * MB), volume('b'.repeat(40), 5 * MB)] }));
    expect(shared.at(-1)).toBe('"on disk" counts a file in every volume that holds it: volumes here share files, so the column adds up to 11.0 MB while the storage folder uses 8.30 MB');
    const apart = formatStatus(record({ diskUseBytes: 11.1 * MB, volumes: [volume('a'.repeat(40), 6 * MB), volume('b'.repeat(40), 5 * MB)] }));
    expect(apart.join('\n')).not.toContain('share files');
    expect(apart.find((l) => l.startsWith('storage '))).toBe('storage /srv/seedbank: 11.1 MB used of a 1.00 GB quota, 1.00 TB free on disk');
  });
});
