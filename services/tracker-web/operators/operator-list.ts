/**
 * The catalogue's approved operators, DATA/operators.json: who a catalogue operator vouches
 * for. An operator is approved by its operator key (what a Seedbank seeder proves to the
 * census), by networks (an institution running Transmission or qBittorrent, which cannot
 * prove a key), or both. Written by `seedbank catalogue operator add|remove` (atomically, while
 * the server runs); the server re-reads it when it changes.
 */
import { statSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { SeedbankError } from '../../../shared/errors.ts';
import { OPERATOR_KEY_HEX } from '../../../shared/operator/index.ts';
import { normalizeHost } from '../census/network.ts';

const OPERATORS_FILE = 'operators.json';
const FORMAT = 'seedbank-operators/1';
/** How often the server looks at the file's modification time (a stat, not a read). */
const RELOAD_CHECK_MS = 1_000;
const MAX_NAME_CHARS = 200;
const IPV4_BITS = 32;
const IPV6_BITS = 128;

const cidrSchema = z.string().refine((s) => parseCidr(s) !== null, 'a network like 192.0.2.0/24 or 2001:db8::/48');

const operatorSchema = z.object({
  name: z.string().min(1).max(MAX_NAME_CHARS),
  operatorKey: z.string().regex(OPERATOR_KEY_HEX).optional(),
  networks: z.array(cidrSchema),
  addedAt: z.string(),
}).strict();

const fileSchema = z.object({ format: z.literal(FORMAT), operators: z.array(operatorSchema) }).strict();

/** One approved operator. */
export type ApprovedOperator = z.infer<typeof operatorSchema>;

/** A network as address and prefix length, or null when the text is not one. */
export function parseCidr(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
  if (!m) return null;
  const address = normalizeHost(m[1]!);
  const prefix = Number(m[2]);
  if (net.isIPv4(address) && prefix <= IPV4_BITS) return { address, prefix, family: 'ipv4' };
  if (net.isIPv6(address) && prefix <= IPV6_BITS) return { address, prefix, family: 'ipv6' };
  return null;
}

function fileOf(dataDir: string): string {
  return path.join(dataDir, OPERATORS_FILE);
}

/** The approved operators in a data folder (none when the file was never written). */
export function readOperatorList(dataDir: string): ApprovedOperator[] {
  const file = fileOf(dataDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  try {
    return fileSchema.parse(JSON.parse(text)).operators;
  } catch (err) {
    throw new SeedbankError('OPERATORS_CORRUPT', `${file} is not a valid operator list`, { hint: 'restore it from a backup, or fix the entry the error names', cause: err });
  }
}

/** Adds (or replaces, by name) an approved operator; at least a key or a network is needed. */
export async function addOperator(dataDir: string, entry: { name: string; operatorKey?: string; networks?: string[] }, now = new Date()): Promise<ApprovedOperator> {
  const key = entry.operatorKey?.toLowerCase();
  if (key !== undefined && !OPERATOR_KEY_HEX.test(key)) {
    throw new SeedbankError('OPERATOR_KEY_INVALID', `"${entry.operatorKey}" is not an operator key`, { hint: 'an operator key is 64 hex digits: the operatorKey that `seedbank status --json` prints on the seeder' });
  }
  const networks = (entry.networks ?? []).map((n) => {
    const c = parseCidr(n);
    if (!c) throw new SeedbankError('OPERATOR_NETWORK_INVALID', `"${n}" is not a network`, { hint: 'give an address and prefix length, like 192.0.2.0/24 or 2001:db8::/48' });
    return `${c.address}/${c.prefix}`;
  });
  if (!key && networks.length === 0) {
    throw new SeedbankError('OPERATOR_EMPTY', `operator "${entry.name}" needs an operator key or a --network`, { hint: 'approve a Seedbank seeder by its key, a host running another client by its network' });
  }
  const current = readOperatorList(dataDir);
  const clash = current.find((o) => key && o.operatorKey === key && o.name !== entry.name);
  if (clash) throw new SeedbankError('OPERATOR_KEY_TAKEN', `key ${key} is already approved as "${clash.name}"`, { hint: `remove "${clash.name}" first, or add the network to it` });
  const added: ApprovedOperator = { name: entry.name, ...(key ? { operatorKey: key } : {}), networks, addedAt: now.toISOString() };
  await writeList(dataDir, [...current.filter((o) => o.name !== entry.name), added]);
  return added;
}

/** Removes the operators with this name or key; OPERATOR_NOT_LISTED when none matches. */
export async function removeOperator(dataDir: string, nameOrKey: string): Promise<ApprovedOperator[]> {
  const current = readOperatorList(dataDir);
  const gone = current.filter((o) => o.name === nameOrKey || o.operatorKey === nameOrKey.toLowerCase());
  if (gone.length === 0) throw new SeedbankError('OPERATOR_NOT_LISTED', `no approved operator is named or keyed "${nameOrKey}"`, { hint: 'see `seedbank catalogue operator list`' });
  await writeList(dataDir, current.filter((o) => !gone.includes(o)));
  return gone;
}

async function writeList(dataDir: string, operators: ApprovedOperator[]): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const file = fileOf(dataDir);
  await writeFile(`${file}.tmp`, `${JSON.stringify({ format: FORMAT, operators }, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
}

/** Approved operators ready for matching: by key, else by the host's network. */
export class ApprovedOperators {
  private readonly byKey = new Map<string, ApprovedOperator>();
  private readonly networks: Array<{ list: net.BlockList; operator: ApprovedOperator }> = [];

  constructor(readonly list: readonly ApprovedOperator[]) {
    for (const o of list) {
      if (o.operatorKey) this.byKey.set(o.operatorKey, o);
      for (const n of o.networks) {
        const c = parseCidr(n)!;
        const block = new net.BlockList();
        block.addSubnet(c.address, c.prefix, c.family);
        this.networks.push({ list: block, operator: o });
      }
    }
  }

  /**
   * The approved operator behind a host: the one whose key the host proved, else the one
   * whose network holds the host's address (it vouches for what runs there), else null.
   */
  match(host: string, provenKeys: Iterable<string>): ApprovedOperator | null {
    for (const k of provenKeys) {
      const o = this.byKey.get(k);
      if (o) return o;
    }
    const h = normalizeHost(host);
    const family = net.isIPv4(h) ? 'ipv4' : net.isIPv6(h) ? 'ipv6' : null;
    if (!family) return null;
    return this.networks.find((n) => n.list.check(h, family))?.operator ?? null;
  }

  /** The approved operator with this key, or null. */
  byOperatorKey(key: string): ApprovedOperator | null {
    return this.byKey.get(key) ?? null;
  }
}

/** The server's view of DATA/operators.json: re-read when the file changes (checked at most once a second). */
export class OperatorRegistry {
  private approved = new ApprovedOperators([]);
  private mtimeMs = -1;
  private checkedAt = -Infinity;

  constructor(
    private readonly dataDir: string,
    private readonly o: {
      /** The list changed (figures that depend on it are stale). */
      onChange?: () => void;
      /** The file could not be read; the last good list stays in force. */
      onError?: (err: unknown) => void;
      now?: () => number;
    } = {},
  ) {
    this.current();
  }

  /** The approved operators as the file says now; a damaged file keeps the last good list (and is reported to onError). */
  current(): ApprovedOperators {
    const t = (this.o.now ?? Date.now)();
    if (t - this.checkedAt < RELOAD_CHECK_MS) return this.approved;
    this.checkedAt = t;
    let mtimeMs = 0;
    try {
      mtimeMs = statSync(fileOf(this.dataDir)).mtimeMs;
    } catch {
      mtimeMs = 0; // no file: nobody approved
    }
    if (mtimeMs !== this.mtimeMs) {
      this.mtimeMs = mtimeMs;
      try {
        this.approved = new ApprovedOperators(readOperatorList(this.dataDir));
        this.o.onChange?.();
      } catch (err) {
        this.o.onError?.(err);
      }
    }
    return this.approved;
  }
}
