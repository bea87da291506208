/** Operator identity: the seeder's operator key and the proof of it over the peer wire. */
export * from './operator-key.ts';
export * from './operator-proof.ts';
