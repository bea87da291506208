/** Restore, drills, copy look-ups and coverage: what other code (the dispatcher, tests, benchmarks) imports. */
export { registerRestoreCommands, type RestoreCliContext } from './cli.ts';
export { restoreSet, restoredPaths, restoredPathsOf, DEFAULT_STALL_TIMEOUT_MS, type RestoreOptions, type RestoreLayout } from './restore.ts';
export { summariseRestore, RESTORE_REPORT_FILE, type RestoreReport } from './restore-report.ts';
export { runDrill, randomSample, DEFAULT_DRILL_SAMPLE, type DrillOutcome, type DrillReportBody } from './drill.ts';
export { imageDumpCoverage, COVERAGE_LEVELS, type CoverageReport } from './coverage/coverage.ts';
export { readImageDump, scanImageDump, type ImageRow } from './coverage/image-dump.ts';
export { readSqlDump, type SqlRow, type SqlValue } from '../../shared/dumps/sql-dump-reader.ts';
export { base36ToHexSha1, hexToBase36Sha1 } from '../../shared/dumps/base36-sha1.ts';
export { restoreIntoWiki, restoreVersionIntoWiki, type IntoWikiReport } from './into-wiki/into-wiki.ts';
