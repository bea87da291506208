import http from 'node:http';

/** Percent-encodes every byte: escape() would leave '+', which a tracker reads as a space. */
function encodeBytes(b: Buffer): string {
  return [...b].map((x) => `%${x.toString(16).padStart(2, '0')}`).join('');
}

/**
 * Announces a complete peer to a tracker from a given loopback address, as a seeder on
 * another host would (the tracker records the address the request came from).
 */
export function announceFrom(trackerBase: string, localAddress: string, infoHash: string, port: number, event: 'completed' | 'stopped' = 'completed'): Promise<string> {
  const peerId = Buffer.from(`-SB0001-${localAddress.padEnd(12, 'x').slice(0, 12)}`);
  const q = `info_hash=${encodeBytes(Buffer.from(infoHash, 'hex'))}&peer_id=${encodeBytes(peerId)}&port=${port}&uploaded=0&downloaded=0&left=0&event=${event}&compact=1`;
  return new Promise((resolve, reject) => {
    const req = http.get(`${trackerBase}/announce?${q}`, { localAddress, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error(`announce from ${localAddress} got no answer in 10 s`)));
    req.on('error', reject);
  });
}
