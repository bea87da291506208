/**
 * The sockets a process listens on, read from /proc (Linux): its socket inodes from
 * /proc/PID/fd, matched in /proc/PID/net/{tcp,tcp6,udp,udp6}. TCP sockets count when in LISTEN;
 * UDP sockets count when bound and not connected (they take datagrams from anyone).
 */
import { readdir, readFile, readlink } from 'node:fs/promises';

/** One listening socket of a process. */
export interface OpenSocket {
  protocol: 'tcp' | 'udp';
  /** Dotted IPv4 or the raw IPv6 hex ('::' for every interface). */
  address: string;
  port: number;
}

const TCP_LISTEN = '0A';
const UDP_UNCONNECTED = '07';
const INODE_FIELD = 9;
const STATE_FIELD = 3;

/** An address in /proc/net's hex form ('0100007F:1F90') as address and port. */
function parseEndpoint(hex: string): { address: string; port: number } {
  const [addr, port] = hex.split(':') as [string, string];
  let address: string;
  if (addr.length === 8) {
    // IPv4 in host byte order (little-endian on the machines we run on).
    address = [3, 2, 1, 0].map((i) => parseInt(addr.slice(i * 2, i * 2 + 2), 16)).join('.');
  } else {
    address = /^0+$/.test(addr) ? '::' : addr;
  }
  return { address, port: parseInt(port, 16) };
}

/** Every TCP socket in LISTEN and every unconnected UDP socket the process `pid` holds. */
export async function listeningSockets(pid: number): Promise<OpenSocket[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m) inodes.add(m[1]!);
  }
  const out: OpenSocket[] = [];
  for (const [table, protocol, state] of [['tcp', 'tcp', TCP_LISTEN], ['tcp6', 'tcp', TCP_LISTEN], ['udp', 'udp', UDP_UNCONNECTED], ['udp6', 'udp', UDP_UNCONNECTED]] as const) {
    const text = await readFile(`/proc/${pid}/net/${table}`, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length <= INODE_FIELD || f[STATE_FIELD] !== state || !inodes.has(f[INODE_FIELD]!)) continue;
      out.push({ protocol, ...parseEndpoint(f[1]!) });
    }
  }
  return out;
}
