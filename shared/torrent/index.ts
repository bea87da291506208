/** Volume torrents: fast piece hashing, deterministic creation, strict parsing, magnet links. */
export {
  createVolumeTorrent,
  DEFAULT_CREATED_BY,
  type VolumeFile,
  type VolumeTorrent,
  type VolumeTorrentOptions,
} from './volume-torrent.ts';
export { parseVolumeTorrent, type ParsedVolumeFile, type ParsedVolumeTorrent } from './parse-volume-torrent.ts';
export { magnetUri, type MagnetOptions } from './magnet.ts';
export {
  hashPieces,
  isValidPieceLength,
  MIN_PIECE_LENGTH,
  pieceCount,
  plannedWorkers,
  reusablePieces,
  SHA1_BYTES,
  type HashFile,
  type HashPiecesOptions,
  type HashPiecesResult,
  type HashProgress,
  type PieceReuse,
} from './piece-hasher.ts';
export { closeHashWorkers, prewarmHashWorkers } from './hash-pool.ts';
