/**
 * Parses the query string of an HTTP announce or scrape (BEP 3, BEP 23, BEP 48) in one pass,
 * without a general query-string parser: `info_hash` and `peer_id` are 20 raw bytes,
 * percent-encoded (`%XX`, `%uXXXX` below 256 and `+` for a space are decoded as Node's
 * querystring with `unescape` did for bittorrent-tracker; a stray `%` stays literal). Checks
 * are strict and every mistake comes back as a failure reason the client can act on, never as
 * an exception. `ip` is ignored: the tracker records the address the request came from.
 */
import type { TrackerEvent } from './swarm-store.ts';

/** Peers in a reply when the client does not say (numwant), and the most it may ask for. */
export const DEFAULT_NUMWANT = 50;
export const MAX_NUMWANT = 200;

/** A checked announce. */
export interface AnnounceQuery {
  /** Hex, lower case. */
  infoHash: string;
  /** The 20 bytes as latin1. */
  peerId: string;
  port: number;
  /** null when not given. */
  left: number | null;
  event: TrackerEvent;
  /** Compact peer lists (BEP 23) unless the client sent compact=0. */
  compact: boolean;
  numwant: number;
}

/** Why a query was refused, to send back as the bencoded `failure reason`. */
export interface QueryFailure {
  failure: string;
}

const HASH_BYTES = 20;
const scratch = Buffer.allocUnsafe(HASH_BYTES);

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Decodes q[start, end) into `scratch`; true when it is exactly 20 bytes. */
function decode20(q: string, start: number, end: number): boolean {
  let n = 0;
  for (let i = start; i < end; i++) {
    let c = q.charCodeAt(i);
    if (c === 37 /* % */) {
      const h = i + 2 < end ? hexDigit(q.charCodeAt(i + 1)) : -1;
      const l = h >= 0 ? hexDigit(q.charCodeAt(i + 2)) : -1;
      if (l >= 0) {
        c = h * 16 + l;
        i += 2;
      } else if (q.charCodeAt(i + 1) === 117 /* u */ && i + 5 < end) {
        const u = q.slice(i + 2, i + 6);
        if (/^[0-9a-fA-F]{4}$/.test(u)) {
          c = parseInt(u, 16);
          i += 5;
        }
      }
    } else if (c === 43 /* + */) c = 32;
    if (c > 255 || n === HASH_BYTES) return false;
    scratch[n++] = c;
  }
  return n === HASH_BYTES;
}

/** A whole number of at most 15 digits, or -1. */
function wholeNumber(q: string, start: number, end: number): number {
  if (end <= start || end - start > 15) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const d = q.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

const EVENTS = new Map<string, TrackerEvent>([
  ['', 'update'],
  ['empty', 'update'],
  ['update', 'update'],
  ['paused', 'update'],
  ['started', 'started'],
  ['stopped', 'stopped'],
  ['completed', 'completed'],
]);

/** Parses an announce query (the part after `?`). */
export function parseAnnounceQuery(q: string): AnnounceQuery | QueryFailure {
  let infoHash: string | null = null;
  let hashes = 0;
  let peerId: string | null = null;
  let port = -1;
  let left: number | null = null;
  let event: TrackerEvent | undefined = 'update';
  let compact = true;
  let numwant = DEFAULT_NUMWANT;
  let bad: string | null = null;
  for (let start = 0; start < q.length; ) {
    let end = q.indexOf('&', start);
    if (end < 0) end = q.length;
    let eq = q.indexOf('=', start);
    if (eq < 0 || eq > end) eq = end;
    const v = eq + 1;
    switch (q.slice(start, eq)) {
      case 'info_hash':
        hashes++;
        infoHash = decode20(q, v, end) ? scratch.toString('hex') : null;
        break;
      case 'peer_id':
        peerId = decode20(q, v, end) ? scratch.toString('latin1') : null;
        break;
      case 'port':
        port = wholeNumber(q, v, end);
        break;
      case 'left':
        left = wholeNumber(q, v, end);
        if (left < 0) bad ??= 'invalid left: expected the whole number of bytes still to download';
        break;
      case 'uploaded':
      case 'downloaded':
        if (wholeNumber(q, v, end) < 0) bad ??= `invalid ${q.slice(start, eq)}: expected a whole number of bytes`;
        break;
      case 'event':
        event = EVENTS.get(q.slice(v, end));
        break;
      case 'compact': {
        const c = q.slice(v, end);
        if (c !== '0' && c !== '1') bad ??= 'invalid compact: expected 0 or 1';
        compact = c !== '0';
        break;
      }
      case 'numwant':
        numwant = Math.min(wholeNumber(q, v, end), MAX_NUMWANT);
        if (numwant < 0) bad ??= `invalid numwant: expected a whole number of peers (at most ${MAX_NUMWANT} are sent)`;
        break;
    }
    start = end + 1;
  }
  if (hashes === 0) return { failure: "invalid info_hash: missing; send the torrent's 20-byte info hash, percent-encoded" };
  if (hashes > 1) return { failure: 'invalid info_hash: an announce names one torrent; send info_hash once' };
  if (infoHash === null) return { failure: 'invalid info_hash: it must be exactly 20 bytes, percent-encoded' };
  if (peerId === null) return { failure: 'invalid peer_id: it must be exactly 20 bytes, percent-encoded' };
  if (port < 1 || port > 65535) return { failure: 'invalid port: expected the port you accept peers on, 1 to 65535' };
  if (event === undefined) return { failure: 'invalid event: expected started, completed, stopped, paused or none' };
  if (bad !== null) return { failure: bad };
  return { infoHash, peerId, port, left, event, compact, numwant };
}

/** Parses a scrape query: the info hashes asked for (hex), none when the client named none. */
export function parseScrapeQuery(q: string): string[] | QueryFailure {
  const out: string[] = [];
  for (let start = 0; start < q.length; ) {
    let end = q.indexOf('&', start);
    if (end < 0) end = q.length;
    if (q.startsWith('info_hash=', start) && start + 10 <= end) {
      if (!decode20(q, start + 10, end)) return { failure: 'invalid info_hash: each must be exactly 20 bytes, percent-encoded' };
      out.push(scratch.toString('hex'));
    }
    start = end + 1;
  }
  return out;
}
