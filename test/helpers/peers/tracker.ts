/** A real bittorrent-tracker HTTP tracker on 127.0.0.1 for tests and benchmarks (no UDP, no WebSocket). */
// @ts-ignore -- untyped package; we use listen, http.address() and close (node_modules/bittorrent-tracker/server.js).
import ServerImpl from 'bittorrent-tracker/server';

/** A running tracker. */
export interface TestTracker {
  /** http://127.0.0.1:PORT/announce */
  announceUrl: string;
  close(): Promise<void>;
}

interface TrackerServer {
  http: { address(): { port: number } };
  listen(port: number, host: string, cb: () => void): void;
  on(event: 'error' | 'warning', cb: (err: Error) => void): void;
  close(cb: () => void): void;
}

/** Starts a tracker on a free loopback port; announces every 10 s so peers find each other fast. */
export async function startTestTracker(): Promise<TestTracker> {
  const server = new (ServerImpl as unknown as new (o: Record<string, unknown>) => TrackerServer)({ http: true, udp: false, ws: false, stats: false, interval: 10_000 });
  server.on('error', () => undefined);
  server.on('warning', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    announceUrl: `http://127.0.0.1:${server.http.address().port}/announce`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
