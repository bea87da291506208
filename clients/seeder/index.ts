/** The seeder: what other code (the dispatcher, tests, benchmarks) imports. */
export { Seeder, type SeederOptions, type SeederStatus, type PauseReason } from './host.ts';
export type { VolumeStatus, VolumeActivity, VolumeState } from './volume.ts';
export type { VolumeScrub } from './scrub.ts';
export { startHttpMirror, parseRange, type HttpMirror, type HttpMirrorOptions, type ServedRequest } from './http-mirror.ts';
export { registerSeederCommands, type SeederCliContext } from './cli.ts';
export { seedConfigFromFlags, parseRate, type SeedConfig, type SeederSource } from './config.ts';
export { readStatus, formatStatus, statusPath, type StatusRecord } from './status-file.ts';
export { installBencodeGuard, bencodeValueEnd } from './wire-guard.ts';
export { webSeedFileUrl } from './web-seed/web-seed-conn.ts';
