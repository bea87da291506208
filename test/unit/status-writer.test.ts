// The status file is rewritten soon after a change, but a burst of changes (a piece written
// every millisecond) makes one rewrite per interval, not one per change.
import { describe, expect, it } from 'vitest';
import { StatusWriter } from '../../clients/seeder/status-writer.ts';

const MIN_INTERVAL_MS = 100;
const WAIT_LIMIT_MS = 5_000;

describe('StatusWriter', () => {
  it('rewrites within the interval after a change and coalesces a burst', async () => {
    const writes: number[] = [];
    let wrote: () => void = () => undefined;
    const writer = new StatusWriter(async () => {
      writes.push(Date.now());
      wrote();
    }, MIN_INTERVAL_MS);
    const nextWrite = () => new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no status rewrite within ${WAIT_LIMIT_MS} ms of a change`)), WAIT_LIMIT_MS);
      wrote = () => (clearTimeout(timer), resolve());
    });
    let w = nextWrite();
    await writer.now();
    await w;
    w = nextWrite();
    const changedAt = Date.now();
    for (let i = 0; i < 1000; i++) writer.changed();
    await w;
    expect(writes).toHaveLength(2);
    expect(writes[1]! - changedAt, 'the rewrite came within the interval').toBeLessThanOrEqual(MIN_INTERVAL_MS + 50);
    expect(writes[1]! - writes[0]!, 'not sooner than the interval after the last one').toBeGreaterThanOrEqual(MIN_INTERVAL_MS - 1);
    writer.close();
  });
});
