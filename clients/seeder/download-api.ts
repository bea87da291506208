/**
 * What the restore client may use of the seeder, and nothing more (the boundary check in
 * .dependency-cruiser.cjs allows clients/restore to import this file only): the engine that
 * downloads volumes from peers and web seeds, and the rate-flag parser, which moves to
 * shared/units.ts with the one argument grammar.
 */
export { Seeder, type SeederOptions, type SeederStatus } from './host.ts';
export type { VolumeStatus } from './volume-status.ts';
export { parseRate } from './config.ts';
