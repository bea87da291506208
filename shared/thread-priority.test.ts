import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const CHILD = ['bin/run-ts.js', 'test/fixtures/thread-priority-child.ts'];

interface ChildReport {
  pid: number;
  before: Record<string, number>;
  first: number;
  second: number;
  after: Record<string, number>;
  inWorker: number;
}

async function child(delta: number): Promise<ChildReport> {
  const { stdout } = await run(process.execPath, [...CHILD, String(delta)], { timeout: 30_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildReport;
}

describe.runIf(process.platform === 'linux')('lowerOtherThreads', () => {
  it('puts every thread but the main one delta below it, once however often it is called, and does nothing from a worker', async () => {
    const r = await child(7);
    const others = Object.keys(r.after).filter((t) => Number(t) !== r.pid);
    // V8's helpers, libuv's pool and the worker at least.
    expect(others.length).toBeGreaterThanOrEqual(3);
    const base = r.before[String(r.pid)]!;
    expect(r.after[String(r.pid)]).toBe(base);
    for (const t of others) expect(r.after[t], `thread ${t}`).toBe(Math.min(19, base + 7));
    expect(r.first).toBe(others.length);
    // A second call finds them already there: still +7, not +14.
    expect(r.second).toBe(others.length);
    // A worker thread may not lower its siblings or the main thread.
    expect(r.inWorker).toBe(0);
  });

  it('leaves every thread alone for 0', async () => {
    const r = await child(0);
    expect(r.first).toBe(0);
    expect(r.after).toEqual(r.before);
  });
});
