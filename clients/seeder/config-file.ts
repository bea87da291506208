/**
 * The seeder's configuration file (YAML or JSON), for daemons: the same settings as the flags,
 * validated with zod so a mistake is reported field by field, and written by the wizard.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { SeedbankError } from '../../shared/errors.ts';
import { writeFileAtomic } from '../../shared/fs/index.ts';
import { parseDuration, parseRate, parseSizeFlag, type SeedFlags } from './config.ts';
import { KEY_HEX } from './follow/key-pins.ts';

const MS_PER_MINUTE = 60_000;

/** Where the wizard writes the configuration, under the user's home. */
export const DEFAULT_CONFIG_RELATIVE = path.join('.config', 'seedbank', 'seeder.yaml');

/** Wraps a flag parser so zod reports its message on the field. */
function parsed<T>(parse: (text: string) => T) {
  return z.union([z.string(), z.number()]).transform((v, ctx) => {
    try {
      return parse(String(v));
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });
}

const port = z.number().int().min(0).max(65535);
const list = z.union([z.array(z.string().min(1)), z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))]);

/** The file's schema: every key optional, unknown keys refused (a typo must not pass silently). */
export const seederFileSchema = z.strictObject({
  catalogue: z.url().optional(),
  storage: z.string().min(1).optional(),
  quota: parsed(parseSizeFlag).optional(),
  sets: list.optional(),
  tags: list.optional(),
  auto: z.boolean().optional(),
  torrents: z.array(z.string().min(1)).optional(),
  http: port.optional(),
  httpHost: z.string().min(1).optional(),
  port: port.optional(),
  peerHost: z.string().min(1).optional(),
  maxUp: parsed(parseRate).optional(),
  maxDown: parsed(parseRate).optional(),
  keepVersions: z.number().int().min(1).optional(),
  pollInterval: parsed(parseDuration).optional(),
  minHosting: parsed(parseDuration).optional(),
  dht: z.boolean().optional(),
  dhtBootstrap: list.optional(),
  webSeeds: z.boolean().optional(),
  webSeedConnections: z.number().int().min(1).optional(),
  webSeedMaxRate: parsed(parseRate).optional(),
  scrubShare: z.number().min(0).max(1).optional(),
  scrubInterval: parsed(parseDuration).optional(),
  /** Deprecated: minutes; read as scrubInterval. */
  scrubIntervalMin: z.number().int().min(1).optional(),
  contact: z.string().min(1).optional(),
  /** The catalogue's ed25519 key, pinned before the first contact. */
  catalogueKey: z.string().regex(KEY_HEX, 'an ed25519 public key: 64 lower-case hex digits').optional(),
  /** Set id → its ed25519 key, pinned before the first contact. */
  setKeys: z.record(z.string().min(1), z.string().regex(KEY_HEX, 'an ed25519 public key: 64 lower-case hex digits')).optional(),
});

/** The file's settings under the flags' names. */
export type SeederFileSettings = Partial<SeedFlags>;

/** Reads and validates a configuration file; the error lists every wrong field. */
export async function loadSeederConfigFile(file: string): Promise<SeederFileSettings> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new SeedbankError('CONFIG_UNREADABLE', `cannot read the seeder configuration ${file}: ${(err as Error).message}`, { cause: err });
  }
  let value: unknown;
  try {
    value = /\.json$/i.test(file) ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw new SeedbankError('CONFIG_INVALID', `${file} is not valid ${/\.json$/i.test(file) ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
  const result = seederFileSchema.safeParse(value ?? {});
  if (!result.success) {
    const fields = result.error.issues.map((i) => `  ${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new SeedbankError('CONFIG_INVALID', `${file} has ${fields.length} problem(s):\n${fields.join('\n')}`, { hint: 'see deploy/seeder/seeder.example.yaml' });
  }
  const { torrents, storage, scrubIntervalMin, ...rest } = result.data;
  const base = path.dirname(path.resolve(file));
  return {
    ...rest,
    ...(scrubIntervalMin !== undefined && rest.scrubInterval === undefined ? { scrubInterval: scrubIntervalMin * MS_PER_MINUTE } : {}),
    // Relative paths in a file are relative to the file, not to wherever the daemon starts.
    ...(storage ? { storage: path.resolve(base, storage) } : {}),
    ...(torrents ? { torrent: torrents.map((t) => path.resolve(base, t)) } : {}),
  };
}

/** What the wizard asks for. */
export interface WizardAnswers {
  catalogue: string;
  storage: string;
  quota: string;
  sets: string[];
  tags: string[];
  auto: boolean;
  /** Whether to join the public DHT (the seeder's default); false is written as `dht: false`. */
  dht: boolean;
}

/** Writes a configuration file from the wizard's answers (YAML, with a comment saying what it is). */
export async function writeSeederConfigFile(file: string, a: WizardAnswers): Promise<void> {
  const doc: Record<string, unknown> = { catalogue: a.catalogue, storage: a.storage, quota: a.quota };
  if (a.auto) doc.auto = true;
  if (a.sets.length) doc.sets = a.sets;
  if (a.tags.length) doc.tags = a.tags;
  if (!a.dht) doc.dht = false;
  // Atomic: an interrupted wizard must not leave a half config that the next start misreads.
  const text = `# Seedbank seeder: written by \`seedbank seed\`; see deploy/seeder/seeder.example.yaml for every setting.\n${YAML.stringify(doc)}`;
  await writeFileAtomic(file, text, { mode: 0o644, mkdir: true });
}
