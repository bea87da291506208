/**
 * The bencoded bodies of the HTTP tracker's replies, written directly: an announce reply is a
 * few fixed keys and the picked peers' compact entries (already bytes, see swarm.ts), written
 * into one Buffer, with no general bencoder in the way.
 * Dictionary keys are in bencode's required (byte) order.
 */
import type { AnnounceAnswer, StoredPeer, SwarmTotals } from './swarm-store.ts';

/** What the protocol reports of a swarm: peer entries (clients size their connections by them), not hosts. */
type WireTotals = Pick<SwarmTotals, 'complete' | 'incomplete' | 'downloaded'>;

function totals(t: WireTotals, intervalS: number): string {
  return `d8:completei${t.complete}e10:downloadedi${t.downloaded}e10:incompletei${t.incomplete}e8:intervali${intervalS}e`;
}

/** An announce reply with compact `peers` (IPv4) and `peers6` (IPv6), in one buffer. */
export function compactAnnounceReply(a: AnnounceAnswer, intervalS: number): Buffer {
  const head = `${totals(a, intervalS)}5:peers${a.peers4.length}:`;
  const mid = `6:peers6${a.peers6.length}:`;
  const out = Buffer.allocUnsafe(head.length + a.peers4.length + mid.length + a.peers6.length + 1);
  let o = out.write(head, 0, 'latin1');
  o += a.peers4.copy(out, o);
  o += out.write(mid, o, 'latin1');
  o += a.peers6.copy(out, o);
  out[o] = 0x65; // 'e'
  return out;
}

function peerDict(p: StoredPeer): string {
  return `d2:ip${p.ip.length}:${p.ip}7:peer id20:${p.peerId}4:porti${p.port}ee`;
}

/** An announce reply with a list of peer dictionaries (compact=0; the answer must list its peers), both families in one list. */
export function dictAnnounceReply(a: AnnounceAnswer, intervalS: number): Buffer {
  return Buffer.from(`${totals(a, intervalS)}5:peersl${a.peers.map(peerDict).join('')}ee`, 'latin1');
}

/** A scrape reply; `files` maps binary (latin1) info hashes to their totals. */
export function scrapeReply(files: ReadonlyMap<string, WireTotals>, intervalS: number): Buffer {
  let body = 'd5:filesd';
  for (const ih of [...files.keys()].sort()) {
    const t = files.get(ih)!;
    body += `20:${ih}d8:completei${t.complete}e10:downloadedi${t.downloaded}e10:incompletei${t.incomplete}ee`;
  }
  return Buffer.from(`${body}e5:flagsd20:min_request_intervali${intervalS}eee`, 'latin1');
}

/** A refusal: `failure reason` and nothing else, as BitTorrent clients expect it (with HTTP 200). */
export function failureReply(reason: string): Buffer {
  const text = Buffer.from(reason, 'utf8');
  return Buffer.concat([Buffer.from(`d14:failure reason${text.length}:`, 'latin1'), text, Buffer.from('e', 'latin1')]);
}
