/**
 * The operator proof, carried over the BitTorrent peer wire as the BEP 10 extension
 * `sb_operator`. The census sends a challenge (a fresh random nonce); the seeder answers
 * with its operator key, the time, and an ed25519 signature over a domain prefix, the nonce,
 * the connection's info hash and that time. The census accepts it only for its own nonce,
 * the volume it is auditing, and a time close to its own clock.
 *
 * A relay that forwards the challenge to a real seeder gets that seeder's proof, so it is
 * counted as that operator: it adds no copy. That is the point: accountability, not location.
 *
 * Messages are fixed-size binary (no bencode): one type byte, then fields.
 *   challenge: 0x01 | nonce (32)
 *   proof:     0x02 | public key (32) | time in ms since the epoch (8, big-endian) | signature (64)
 */
import { randomBytes } from 'node:crypto';
import { signAsOperator, verifyOperatorSignature, type OperatorKey } from './operator-key.ts';
import { SeedbankError } from '../errors.ts';

/** The BEP 10 extension name both sides advertise in their extended handshake. */
export const OPERATOR_EXTENSION = 'sb_operator';
/** Signed before every proof, so no other signed message can be replayed as one. */
export const PROOF_DOMAIN = 'seedbank-operator-proof/1\n';
export const NONCE_BYTES = 32;
const INFO_HASH_BYTES = 20;
const PUBLIC_KEY_BYTES = 32;
const TIME_BYTES = 8;
const SIGNATURE_BYTES = 64;
const CHALLENGE_TYPE = 0x01;
const PROOF_TYPE = 0x02;
export const CHALLENGE_BYTES = 1 + NONCE_BYTES;
export const PROOF_BYTES = 1 + PUBLIC_KEY_BYTES + TIME_BYTES + SIGNATURE_BYTES;
/** How far a proof's time may be from the census's clock (either way). */
export const PROOF_MAX_SKEW_MS = 5 * 60_000; // 5 minutes

/** A decoded proof, not yet checked. */
export interface OperatorProof {
  operatorKey: string;
  timeMs: number;
  signature: Buffer;
}

/** What the census learned from a proof. */
export type ProofVerdict = { ok: true; operatorKey: string } | { ok: false; reason: string };

/** A fresh challenge nonce. */
export function newNonce(): Buffer {
  return randomBytes(NONCE_BYTES);
}

/** The challenge message for a nonce. */
export function encodeChallenge(nonce: Uint8Array): Buffer {
  if (nonce.length !== NONCE_BYTES) throw new SeedbankError('INTERNAL', `a nonce has ${NONCE_BYTES} bytes, got ${nonce.length}`);
  return Buffer.concat([Buffer.from([CHALLENGE_TYPE]), nonce]);
}

/** The nonce of a challenge message, or null when the bytes are not one. */
export function decodeChallenge(msg: Uint8Array): Buffer | null {
  if (msg.length !== CHALLENGE_BYTES || msg[0] !== CHALLENGE_TYPE) return null;
  return Buffer.from(msg.subarray(1));
}

/** The bytes a proof signs (after the domain prefix): nonce, info hash, time. */
function proofBody(nonce: Uint8Array, infoHashHex: string, timeMs: number): Buffer {
  const time = Buffer.alloc(TIME_BYTES);
  time.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(timeMs))));
  return Buffer.concat([nonce, Buffer.from(infoHashHex, 'hex'), time]);
}

/** The seeder's answer to a challenge on a connection about `infoHashHex`. */
export function signProof(key: OperatorKey, nonce: Uint8Array, infoHashHex: string, timeMs = Date.now()): Buffer {
  if (!/^[0-9a-f]{40}$/i.test(infoHashHex)) throw new SeedbankError('INTERNAL', `not a hex v1 info hash: ${infoHashHex}`);
  const body = proofBody(nonce, infoHashHex.toLowerCase(), timeMs);
  const signature = signAsOperator(key, PROOF_DOMAIN, body);
  return Buffer.concat([Buffer.from([PROOF_TYPE]), Buffer.from(key.publicKeyHex, 'hex'), body.subarray(NONCE_BYTES + INFO_HASH_BYTES), signature]);
}

/** The fields of a proof message, or null when the bytes are not one. */
export function decodeProof(msg: Uint8Array): OperatorProof | null {
  if (msg.length !== PROOF_BYTES || msg[0] !== PROOF_TYPE) return null;
  const buf = Buffer.from(msg.buffer, msg.byteOffset, msg.byteLength);
  let at = 1;
  const operatorKey = buf.subarray(at, (at += PUBLIC_KEY_BYTES)).toString('hex');
  const time = buf.readBigUInt64BE(at);
  at += TIME_BYTES;
  if (time > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return { operatorKey, timeMs: Number(time), signature: Buffer.from(buf.subarray(at, at + SIGNATURE_BYTES)) };
}

/** Checks a proof message against the challenge the census sent on this connection. */
export function verifyProof(msg: Uint8Array, expect: { nonce: Uint8Array; infoHash: string; nowMs: number; maxSkewMs?: number }): ProofVerdict {
  const proof = decodeProof(msg);
  if (!proof) return { ok: false, reason: `operator proof is not a ${PROOF_BYTES}-byte proof message` };
  const skew = Math.abs(proof.timeMs - expect.nowMs);
  const maxSkew = expect.maxSkewMs ?? PROOF_MAX_SKEW_MS;
  if (skew > maxSkew) return { ok: false, reason: `operator proof is timed ${Math.round(skew / 1000)} s away from the census clock (at most ${maxSkew / 1000} s)` };
  const body = proofBody(expect.nonce, expect.infoHash.toLowerCase(), proof.timeMs);
  if (!verifyOperatorSignature(proof.operatorKey, PROOF_DOMAIN, body, proof.signature)) {
    return { ok: false, reason: 'operator proof signature does not match this challenge, volume and key' };
  }
  return { ok: true, operatorKey: proof.operatorKey };
}
