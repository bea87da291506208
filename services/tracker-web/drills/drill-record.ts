/**
 * A restore drill as reported by `seedbank drill` (POST /api/drills): validated at the edge
 * with the shared contract's strict schema (shared/api/drill-schemas.ts), then kept as a
 * record that becomes the home page's DrillSummary.
 */
import type { DrillRecord } from '../../../shared/api/drill-schemas.ts';
import type { DrillSummary } from '../pages/view-models.ts';

export { drillRecordSchema, drillReportSchema, type DrillRecord, type DrillReport } from '../../../shared/api/drill-schemas.ts';

/** The home page's view of a drill. */
export function drillSummary(r: DrillRecord): DrillSummary {
  return {
    at: r.receivedAt,
    setId: r.setId,
    setTitle: r.setTitle,
    version: r.version,
    ok: r.ok,
    filesChecked: r.filesChecked,
    filesOk: r.filesOk,
    bytes: r.bytes,
    bytesPerSecond: r.ok && r.seconds > 0 ? Math.round(r.bytes / r.seconds) : null,
    error: r.error,
  };
}
