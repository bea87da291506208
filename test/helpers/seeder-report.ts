import http from 'node:http';

/**
 * Posts a seeder report to a catalogue from a chosen loopback address (127.0.0.x, so each
 * address is another host to the catalogue); resolves with the HTTP status.
 */
export function postReportFrom(catalogueUrl: string, localAddress: string, body: unknown): Promise<number> {
  const data = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(`${catalogueUrl}/api/seeders/report`, { method: 'POST', localAddress, timeout: 20_000, headers: { 'content-type': 'application/json', 'content-length': data.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error(`report from ${localAddress} got no answer in 20 s`)));
    req.on('error', reject);
    req.end(data);
  });
}
