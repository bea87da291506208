/**
 * What holds a hosted volume's pieces and talks to its peers. Two engines implement it:
 * webtorrent (volume-engine-webtorrent.ts) while pieces are missing, and the seed server
 * (volume-engine-seed-server.ts) once every wanted piece is here. HostedVolume (volume.ts)
 * delegates to whichever its state says holds the volume and never asks which one it is.
 */

/** Which engine holds a volume (shown in the status). */
export type EngineKind = 'webtorrent' | 'seed-server';

/** Traffic and connections of one engine since it took the volume. */
export interface EngineTraffic {
  /** Bytes received from peers and web seeds (bad pieces included). */
  receivedBytes: number;
  uploadedBytes: number;
  downloadBytesPerSecond: number;
  uploadBytesPerSecond: number;
  /** Connected BitTorrent peers (web seeds not counted). */
  peers: number;
  webSeeds: number;
}

/** The figures of a closed engine. */
export const NO_TRAFFIC: EngineTraffic = Object.freeze({ receivedBytes: 0, uploadedBytes: 0, downloadBytesPerSecond: 0, uploadBytesPerSecond: 0, peers: 0, webSeeds: 0 });

/** What an engine tells its volume; passed when the engine is created, so no event is lost. */
export interface EngineEvents {
  /** A piece was downloaded and its hash checked. */
  verified(index: number): void;
  /** Every selected piece is here (webtorrent's 'done'). */
  done(): void;
  /** The engine stopped on an error (a broken store, say). */
  failed(message: string): void;
}

/** Which pieces to ask for. */
export interface Wanted {
  /** Ask for nothing (downloads paused); what is had is still served. */
  paused: boolean;
  /** Pieces never to ask for (taken-down files). */
  blocked: ReadonlySet<number>;
}

/** One engine holding one volume. */
export interface VolumeEngine {
  readonly kind: EngineKind;
  /** True when piece `index` is verified. */
  has(index: number): boolean;
  /** The verified pieces (bit 0 is the high bit of byte 0); a live view, not to be changed. */
  bitfield(): Uint8Array;
  /** Connects to a peer ('ip:port'). */
  addPeer(addr: string): void;
  /** Marks pieces verified that were checked on disk; peers are told. Returns the ones newly had. */
  gain(indices: readonly number[]): number[];
  /** Marks pieces missing (bad on disk, or taken down); peers are told. Returns the ones that were had. */
  lose(indices: readonly number[]): number[];
  /** Asks for every missing wanted piece, or for none. */
  want(wanted: Wanted): void;
  /** Asks again for pieces that were verified but could not be written. */
  retry(indices: readonly number[]): void;
  traffic(): EngineTraffic;
  /** Lets go of the volume (its files stay). */
  close(): Promise<void>;
}
