/** An HTTP handler (an Express app) served on 127.0.0.1 at a free port for one test file, and its closing. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A listening loopback server: its base URL and how to close it. */
export interface LoopbackApp {
  base: string;
  close(): Promise<void>;
}

/** Serves `handler` on 127.0.0.1 at a free port. */
export async function serveOnLoopback(handler: http.RequestListener): Promise<LoopbackApp> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
