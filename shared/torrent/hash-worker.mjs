// Piece-hashing worker for piece-hasher.ts.
//
// Plain JavaScript on purpose: worker threads started from code running under tsx or vitest
// are plain Node workers, which cannot load .ts files. This file imports only Node builtins.
//
// Protocol: workers are pooled across calls (see hash-pool.ts). Each call first sends
// { type: 'begin', pieces: SharedArrayBuffer, pieceLength, chunkBytes }, then jobs
// { type: 'job', jobId, firstPiece, byteStart, byteEnd, files: [{ absPath, offset, length }] }, each
// covering a contiguous, piece-aligned byte range of the volume (files = only those overlapping it,
// offset = the file's start in the concatenation). The worker reads the range with large positioned
// reads into ONE reused buffer and writes each piece's SHA-1 straight into the shared `pieces`
// buffer at firstPiece*20 onwards, so no digests are copied between threads.
// Replies: { type: 'done', jobId, bytes } per job (also the progress report: one message per job
// rather than per read keeps the main thread asleep, and it shares the CPUs), or
// { type: 'error', jobId, code, message, path }.
// Synchronous reads are deliberate: each worker is one hashing thread, reading then hashing like
// mktorrent's threads do, without the libuv thread-pool hop that async reads would add.
import { closeSync, openSync, readSync } from 'node:fs';
import crypto from 'node:crypto';
import { parentPort } from 'node:worker_threads';

const SHA1_BYTES = 20;

// Per-call state, set by 'begin'.
let out = new Uint8Array(0);
let pieceLength = 0;
let chunkBytes = 0;
// One read buffer, reused across jobs and calls and only grown; never zero-filled, since every byte hashed is read first.
let buffer = Buffer.allocUnsafeSlow(0);

// crypto.hash (Node ≥ 20.12) is a one-shot digest without a Hash object per piece.
const sha1 =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha1', data, 'buffer')
    : (data) => crypto.createHash('sha1').update(data).digest();

class JobError extends Error {
  constructor(code, message, path) {
    super(message);
    this.code = code;
    this.path = path;
  }
}

/** Fills buffer[0, end-start) with volume bytes [start, end), reading across file boundaries. */
function fill(job, fds, start, end) {
  for (let i = 0; i < job.files.length; i++) {
    const f = job.files[i];
    const from = Math.max(start, f.offset);
    const to = Math.min(end, f.offset + f.length);
    if (from >= to) continue;
    let fd = fds.get(i);
    if (fd === undefined) {
      try {
        fd = openSync(f.absPath, 'r');
      } catch (err) {
        throw new JobError('TORRENT_READ_FAILED', `cannot open ${f.absPath}: ${err.message}`, f.absPath);
      }
      fds.set(i, fd);
    }
    let done = from;
    while (done < to) {
      let n;
      try {
        n = readSync(fd, buffer, done - start, to - done, done - f.offset);
      } catch (err) {
        throw new JobError('TORRENT_READ_FAILED', `cannot read ${f.absPath}: ${err.message}`, f.absPath);
      }
      if (n === 0) {
        throw new JobError(
          'TORRENT_FILE_CHANGED',
          `${f.absPath} ended early: expected ${f.length} bytes, got ${done - f.offset}`,
          f.absPath,
        );
      }
      done += n;
    }
    // Close a file as soon as its last byte is read: a job may span 100,000 small files,
    // far more than the process may hold open at once.
    if (to === f.offset + f.length) {
      fds.delete(i);
      try {
        closeSync(fd);
      } catch {
        // The bytes are read; a failing close loses nothing.
      }
    }
  }
}

function runJob(job) {
  const fds = new Map();
  try {
    let piece = job.firstPiece;
    for (let start = job.byteStart; start < job.byteEnd; start += chunkBytes) {
      const end = Math.min(start + chunkBytes, job.byteEnd);
      fill(job, fds, start, end);
      const filled = end - start;
      // start is piece-aligned and chunkBytes a multiple of pieceLength: every piece lies whole in the buffer.
      for (let off = 0; off < filled; off += pieceLength) {
        out.set(sha1(buffer.subarray(off, Math.min(off + pieceLength, filled))), piece * SHA1_BYTES);
        piece++;
      }
    }
  } finally {
    for (const fd of fds.values()) {
      try {
        closeSync(fd);
      } catch {
        // Nothing to do: the read already succeeded or failed with a better error.
      }
    }
  }
}

parentPort.on('message', (msg) => {
  if (msg.type === 'begin') {
    out = new Uint8Array(msg.pieces);
    pieceLength = msg.pieceLength;
    chunkBytes = msg.chunkBytes;
    if (buffer.length < chunkBytes) buffer = Buffer.allocUnsafeSlow(chunkBytes);
    return;
  }
  const job = msg;
  try {
    runJob(job);
    parentPort.postMessage({ type: 'done', jobId: job.jobId, bytes: job.byteEnd - job.byteStart });
  } catch (err) {
    parentPort.postMessage({
      type: 'error',
      jobId: job.jobId,
      code: err instanceof JobError ? err.code : 'TORRENT_HASH_FAILED',
      message: err instanceof Error ? err.message : String(err),
      path: err instanceof JobError ? err.path : undefined,
    });
  }
});
