/**
 * Keys an operator pins up front. Without them the seeder trusts the catalogue's key and each
 * set's key on first contact, so a man in the middle of that first plain-HTTP poll could pin
 * his own keys and then sign takedowns that delete files. With `--catalogue-key` (or
 * `catalogueKey` and `setKeys` in the config file) the keys are known before any contact: they
 * replace whatever was pinned before, and a catalogue or set offering another key is refused.
 * First contact over plain HTTP to another machine still works, with a warning.
 */
import { isIP } from 'node:net';
import { SeedbankError } from '../../../shared/errors.ts';
import type { Logger } from '../../../shared/log.ts';
import type { FollowStateData } from './follow-state.ts';

/** An ed25519 public key as the catalogue shows it: 64 lower-case hex digits. */
export const KEY_HEX = /^[0-9a-f]{64}$/;

/** Keys pinned by the operator. */
export interface KeyPins {
  catalogueKey?: string;
  /** Set id → key. */
  setKeys?: Record<string, string>;
}

/** Checks a key given on the command line or in the config file; a clear error otherwise. */
export function parseKeyHex(text: string): string {
  const key = text.trim().toLowerCase();
  if (!KEY_HEX.test(key)) {
    throw new SeedbankError('KEY_INVALID', `"${text}" is not an ed25519 public key: expected 64 hex digits`, { hint: 'copy it from the catalogue operator (GET /api/catalogue-key on the catalogue, over HTTPS)' });
  }
  return key;
}

/** Writes the operator's pins over the state's (a pin from first contact gives way to the operator's); logs each change. */
export function applyKeyPins(data: FollowStateData, pins: KeyPins, log: Logger): void {
  if (pins.catalogueKey && data.catalogueKey !== pins.catalogueKey) {
    if (data.catalogueKey) log.warn({ was: data.catalogueKey, now: pins.catalogueKey }, 'the catalogue key pinned on first contact differs from the one you gave: using yours');
    data.catalogueKey = pins.catalogueKey;
  }
  for (const [setId, key] of Object.entries(pins.setKeys ?? {})) {
    if (data.setKeys[setId] === key) continue;
    if (data.setKeys[setId]) log.warn({ set: setId, was: data.setKeys[setId], now: key }, 'the set key pinned on first sight differs from the one you gave: using yours');
    data.setKeys[setId] = key;
  }
}

/** The error for a catalogue offering another key than the one pinned. */
export function catalogueKeyMismatch(pinned: string, offered: string, byOperator: boolean): SeedbankError {
  return new SeedbankError('CATALOGUE_KEY_MISMATCH', `the catalogue signs with ${offered.slice(0, 16)}…, but ${byOperator ? 'you pinned' : 'this seeder pinned on first contact'} ${pinned.slice(0, 16)}…: takedown lists are refused`, {
    hint: byOperator
      ? 'check the key with the catalogue operator; if it was rotated on purpose, give the new one with --catalogue-key'
      : 'check the key with the catalogue operator, then pin it with --catalogue-key (or remove catalogueKey from STORAGE/.seedbank/follow.json)',
    context: { pinned, offered },
  });
}

/** True when keys fetched from `url` could be swapped in transit: plain HTTP to a host other than this machine. */
export function isPlainHttpToOtherHost(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'http:') return false;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return false;
  if (isIP(host) === 4) return !host.startsWith('127.');
  if (isIP(host) === 6) return host !== '::1';
  return true;
}
