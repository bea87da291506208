/** Magnet links for volume torrents (BEP 9, with BEP 19 `ws` web seeds). */
import { SeedbankError } from '../errors.ts';

export interface MagnetOptions {
  /** Display name (`dn`). */
  name?: string;
  /** Tracker URLs (`tr`), in order. */
  trackers?: readonly string[];
  /** Web seed base URLs (`ws`), as in the torrent's url-list. */
  webSeeds?: readonly string[];
}

const INFO_HASH_HEX = /^[0-9a-fA-F]{40}$/;

/** A v1 magnet URI: `magnet:?xt=urn:btih:<hex>&dn=…&tr=…&ws=…`, with every value URI-encoded. */
export function magnetUri(infoHash: string, opts: MagnetOptions = {}): string {
  if (!INFO_HASH_HEX.test(infoHash)) {
    throw new SeedbankError('TORRENT_BAD_INFO_HASH', `not a v1 info hash: ${JSON.stringify(infoHash)}`, {
      hint: 'expected 40 hexadecimal digits',
    });
  }
  const parts = [`xt=urn:btih:${infoHash.toLowerCase()}`];
  if (opts.name !== undefined) parts.push(`dn=${encodeURIComponent(opts.name)}`);
  for (const t of opts.trackers ?? []) parts.push(`tr=${encodeURIComponent(t)}`);
  for (const w of opts.webSeeds ?? []) parts.push(`ws=${encodeURIComponent(w)}`);
  return `magnet:?${parts.join('&')}`;
}
