/** Census of peers: audit what they claim to hold, then count verified copies per file. */
export {
  auditPeer,
  censusPeerId,
  DEFAULT_AUDIT_TIMEOUT_MS,
  type AuditOptions,
  type AuditTarget,
  type PeerAddress,
  type PeerAuditResult,
} from './peer-audit.ts';
export { runCensus, DEFAULT_CENSUS_CONCURRENCY, type CensusJob, type CensusOptions } from './census.ts';
export {
  addOperatorKeys,
  copiesPerFile,
  mergeCopies,
  networkOf,
  normalizeHost,
  pieceRangeForFile,
  type CopyWindow,
  type FileCopies,
  type MergedCopies,
  type PieceRange,
  type VolumeLayout,
} from './copies.ts';
