import { describe, expect, it } from 'vitest';
// @ts-expect-error -- untyped package: the library's own packing, our reference here.
import string2compact from 'string2compact';
import { compactIPv4, compactIPv6 } from '../../services/tracker-web/tracker/fast-announce.ts';

describe('compact peer lists', () => {
  const peers = [
    { ip: '127.0.0.1', port: 6881 },
    { ip: '10.255.0.7', port: 65535 },
    { ip: '::1', port: 51413 },
    { ip: '2001:db8::ff00:42:8329', port: 1 },
    { ip: 'fe80:0:0:0:0:0:0:1', port: 80 },
  ];
  it('packs IPv4 peers exactly as bittorrent-tracker does (BEP 23)', () => {
    const v4 = peers.filter((p) => !p.ip.includes(':'));
    expect(compactIPv4(peers).equals(string2compact(v4.map((p) => `${p.ip}:${p.port}`)))).toBe(true);
  });
  it('packs IPv6 peers exactly as bittorrent-tracker does (BEP 7)', () => {
    const v6 = peers.filter((p) => p.ip.includes(':'));
    expect(compactIPv6(peers).equals(string2compact(v6.map((p) => `[${p.ip}]:${p.port}`)))).toBe(true);
  });
  it('packs nothing for no peers', () => {
    expect(compactIPv4([]).length).toBe(0);
    expect(compactIPv6([]).length).toBe(0);
  });
});
