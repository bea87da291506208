/**
 * Host identity for copy counting: one canonical spelling per address (so `::ffff:10.0.0.1`,
 * `10.0.0.1` and `[::1]`/`0:0::1` are each one host) and the network a host sits in (/24 for
 * IPv4, /48 for IPv6), so that many machines of one site are not mistaken for independent copies.
 */
import net from 'node:net';

const IPV6_GROUPS = 8;
const IPV4_NETWORK_OCTETS = 3; // a /24
const IPV6_NETWORK_GROUPS = 3; // a /48

/** The 8 16-bit groups of an IPv6 address (zone and brackets removed), or null if it is not one. */
function ipv6Groups(address: string): number[] | null {
  const addr = address.replace(/%.*$/, '');
  if (!net.isIPv6(addr)) return null;
  // An embedded IPv4 tail (`::ffff:1.2.3.4`) is two groups written in decimal: rewrite it in hex.
  const text = addr.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a: string, b: string, c: string, d: string) =>
    `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`);
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const halves = text.split('::');
  const head = parse(halves[0]!);
  const rest = halves.length > 1 ? parse(halves[1]!) : [];
  const fill = IPV6_GROUPS - head.length - rest.length;
  const groups = halves.length > 1 ? [...head, ...new Array<number>(fill).fill(0), ...rest] : head;
  return groups.length === IPV6_GROUPS ? groups : null;
}

/** RFC 5952 text: lower case, no leading zeros, the longest run of two or more zero groups as `::`. */
function formatIPv6(groups: readonly number[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < groups.length;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** The canonical spelling of a host: IPv4-mapped IPv6 as IPv4, IPv6 per RFC 5952, names in lower case. */
export function normalizeHost(host: string): string {
  const h = host.trim().replace(/^\[(.*)\]$/, '$1');
  if (net.isIPv4(h)) return h;
  const groups = ipv6Groups(h);
  if (!groups) return h.toLowerCase();
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (mapped) return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  return formatIPv6(groups);
}

/** The network of an address: `a.b.c.0/24` for IPv4 (mapped IPv6 included), `x:y:z::/48` for IPv6, a host name itself otherwise. */
export function networkOf(ip: string): string {
  const host = normalizeHost(ip);
  if (net.isIPv4(host)) return `${host.split('.').slice(0, IPV4_NETWORK_OCTETS).join('.')}.0/24`;
  const groups = ipv6Groups(host);
  if (!groups) return host;
  return `${formatIPv6([...groups.slice(0, IPV6_NETWORK_GROUPS), ...new Array<number>(IPV6_GROUPS - IPV6_NETWORK_GROUPS).fill(0)])}/48`;
}
