/**
 * The adapter webtorrent talks to (an abstract-chunk-store: put/get/close/destroy by piece
 * index). webtorrent constructs it itself from `store:` and hands it `storeOpts`; all the
 * work is done by the volume's VolumeFiles over the shared content store.
 */
import type { VolumeFiles } from './volume-files.ts';
import { SeedbankError } from '../../../shared/errors.ts';

type Callback<T = void> = (err: Error | null, value?: T) => void;

/** What webtorrent passes to the constructor (our `storeOpts` plus its own fields). */
export interface VolumeChunkStoreOptions {
  volumeFiles: VolumeFiles;
}

/** A webtorrent chunk store over one volume's files in the shared Commons tree. */
export class VolumeChunkStore {
  readonly chunkLength: number;
  private readonly files: VolumeFiles;
  private closed = false;

  constructor(chunkLength: number, opts: VolumeChunkStoreOptions) {
    this.chunkLength = chunkLength;
    this.files = opts.volumeFiles;
    if (chunkLength !== this.files.layout.pieceLength) throw new SeedbankError('INTERNAL', `chunk length ${chunkLength} is not the volume's piece length ${this.files.layout.pieceLength}`);
  }

  /**
   * Stores a verified piece. On failure the callback is deliberately never called: webtorrent
   * would destroy the whole torrent (and stop seeding it) on a put error, and calling back
   * without one would mark an unwritten piece as had. The volume is told instead, stops
   * downloading, and asks for the piece again once writing works.
   */
  put(index: number, buf: Uint8Array, cb: Callback = () => undefined): void {
    if (this.closed) return cb(new Error('store closed'));
    // A taken-down file's bytes must not come back: like a failed write, the piece stays unhad.
    if (this.files.blocked.has(index)) return;
    this.files.writePiece(index, buf).then(
      () => cb(null),
      (err: Error) => this.files.onWriteFailed(index, err),
    );
  }

  /** Reads a piece or part of it (`opts.offset`, `opts.length`). */
  get(index: number, opts: { offset?: number; length?: number } | null | Callback<Buffer>, cb?: Callback<Buffer>): void {
    if (typeof opts === 'function') return this.get(index, null, opts);
    const done = cb ?? (() => undefined);
    if (this.closed) return done(new Error('store closed'));
    if (index < 0 || index >= this.files.layout.pieceCount) return done(new Error(`no piece ${index}`));
    const size = this.files.layout.pieceSize(index);
    const offset = opts?.offset ?? 0;
    const length = opts?.length ?? size - offset;
    if (offset < 0 || length < 0 || offset + length > size) return done(new Error(`range ${offset}+${length} outside piece ${index}`));
    this.files.readPiece(index, offset, length).then((b) => done(null, b), (err: Error) => done(err));
  }

  /** Nothing to release per volume: file handles belong to the shared content store. */
  close(cb: Callback = () => undefined): void {
    this.closed = true;
    queueMicrotask(() => cb(null));
  }

  /** Files are deleted by the seeder (only those no other volume needs), never by webtorrent. */
  destroy(cb: Callback = () => undefined): void {
    this.close(cb);
  }
}
