/**
 * Two small parts of the catalogue store (`store.tokens`, `store.observations`): publishing
 * tokens by their SHA-256, and what the census saw of each peer per torrent. Same LMDB
 * environment as the rest of the store; each write is its own transaction.
 */
import type { CatalogueTables } from './open-lmdb.ts';
import type { Observation, PeerObservation, TokenRecord } from './records.ts';

/** Publishing and census tokens (only their SHA-256 is kept). */
export class StoreTokens {
  constructor(private readonly t: Pick<CatalogueTables, 'tokens'>) {}

  /** Stores a token's SHA-256 (hex) with its label. */
  async add(tokenSha256: string, record: TokenRecord): Promise<void> {
    await this.t.tokens.put(tokenSha256, record);
  }

  /** The token record for a token's SHA-256, if it is valid. */
  byHash(tokenSha256: string): TokenRecord | undefined {
    return this.t.tokens.get(tokenSha256);
  }

  /** Every token (by hash) with its label. */
  list(): Array<TokenRecord & { sha256: string }> {
    return [...this.t.tokens.getRange()].map(({ key, value }) => ({ sha256: key, ...value }));
  }

  /** Revokes a token; true when it existed. */
  async remove(tokenSha256: string): Promise<boolean> {
    return this.t.tokens.remove(tokenSha256);
  }
}

/** The census's last observation of each (torrent, peer). */
export class StoreObservations {
  constructor(private readonly t: Pick<CatalogueTables, 'observations'>) {}

  /** Records what the census saw of one peer for one torrent (replacing the previous observation). */
  async put(infoHash: string, host: string, port: number, observation: Observation): Promise<void> {
    await this.t.observations.put([infoHash, host, port], observation);
  }

  /**
   * Every peer observation in key order, in one pass over the table (the census's restore at
   * start: one range read instead of one per volume, 40,000 cursor seeks at 10M files).
   */
  *all(): Generator<PeerObservation> {
    for (const { key: [ih, host, port], value } of this.t.observations.getRange()) yield { infoHash: ih, host, port, ...value };
  }

  /**
   * Calls `fn` with every peer observation in key order, in one pass, handing the decoded record
   * as it is (no copy per observation: the census restore reads 88,000 at 10M files at start).
   * `fn` must not keep or change `o`.
   */
  each(fn: (infoHash: string, host: string, port: number, o: Observation) => void): void {
    for (const { key, value } of this.t.observations.getRange()) fn(key[0], key[1], key[2], value);
  }

  /** Forgets one peer's observation of one torrent. */
  async remove(infoHash: string, host: string, port: number): Promise<boolean> {
    return this.t.observations.remove([infoHash, host, port]);
  }
}
