/** Binding the catalogue's sockets: its HTTP server, and its UDP tracker on the same port number. */
import { createSocket, type Socket } from 'node:dgram';
import type { Server } from 'node:http';
import { isIPv6, type AddressInfo } from 'node:net';

/** With port 0, the UDP socket may find the HTTP port's number taken; try a few ports. */
const PORT_ATTEMPTS = 5;

/** Listens on `host`:`port` (0: any free port); resolves to the port, rejects with the bind error. */
export async function listenHttp(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

async function bindUdp(port: number, host: string): Promise<Socket> {
  const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return socket;
}

/** Binds HTTP and UDP on the same port number (retrying fresh ports when asked for port 0). */
export async function listenBoth(http: Server, port: number, host: string): Promise<{ port: number; udp: Socket }> {
  for (let attempt = 1; ; attempt++) {
    const bound = await listenHttp(http, port, host);
    try {
      return { port: bound, udp: await bindUdp(bound, host) };
    } catch (err) {
      await new Promise<void>((resolve) => http.close(() => resolve()));
      if (port !== 0 || attempt >= PORT_ATTEMPTS) throw err;
    }
  }
}

