/** Census of peers: audit what they claim to hold, then count verified copies per file. */
export {
  auditPeer,
  censusPeerId,
  DEFAULT_AUDIT_TIMEOUT_MS,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_UNCHOKE_TIMEOUT_MS,
  type AuditPhase,
  type FailureKind,
  type AuditOptions,
  type AuditTarget,
  type PeerAddress,
  type PeerAuditResult,
} from './peer-audit.ts';
export { runCensus, DEFAULT_CENSUS_CONCURRENCY, type CensusJob, type CensusOptions, type CensusResult } from './census.ts';
export {
  HostBackoff,
  RoundSchedule,
  DEFAULT_HOST_STRIKES,
  DEFAULT_MAX_PER_HOST,
  DEFAULT_MAX_PER_NETWORK,
  DEFAULT_MAX_SOCKETS,
  DEFAULT_RETRY_DELAY_MS,
  type BudgetOptions,
} from './schedule.ts';
export {
  addOperatorKeys,
  copiesPerFile,
  fileCopies,
  hasAllPieces,
  holdersOfRange,
  mergeCopies,
  networkOf,
  normalizeHost,
  pieceRangeForFile,
  type CopyWindow,
  type FileCopies,
  type MergedCopies,
  type PieceRange,
  type VolumeHolders,
  type VolumeLayout,
  volumeHolders,
} from './copies.ts';
export { keepsVerdict } from './verdicts.ts';
export { conflictPieces, withDoubleClaims, type SupersededPair } from './double-claims.ts';
export { VerifiedPieces, DEFAULT_VERIFIED_CACHE_BYTES, DEFAULT_WHOLE_PIECE_SHARE, type AuditCheck } from './verified-pieces.ts';
export { Hash53, sumValue, type Hash53Sum } from './signature.ts';
