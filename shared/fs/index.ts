// Crash-safe writes and schema-checked reads of the files Seedbank persists.
export { writeFileAtomic, commitTempFile, fsyncDir, fsyncFile, tempPathFor, type WriteFileAtomicOptions } from './write-file-atomic.ts';
export { readJson, readJsonIfExists, parseJson } from './read-json.ts';
