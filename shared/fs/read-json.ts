/**
 * Reading the JSON files Seedbank persisted itself (state, records, reports): parsed and
 * checked against a schema at the edge, so a truncated or hand-edited file gives an error that
 * names the file and the bad field instead of an `undefined` deep inside a part.
 */
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { SeedbankError } from '../errors.ts';

/** How many schema problems an error lists before "and N more". */
const MAX_ISSUES_SHOWN = 3;

/**
 * Reads `file` as JSON and validates it with `schema`. Throws SeedbankError FILE_MISSING when
 * it does not exist, FILE_NOT_JSON when it does not parse, FILE_INVALID naming the first bad
 * fields when it does not match.
 */
export async function readJson<S extends z.ZodType>(file: string, schema: S): Promise<z.output<S>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new SeedbankError('FILE_MISSING', `${file} does not exist`, { hint: 'check the path, or run the command that creates it', context: { file }, cause: err });
    }
    throw err;
  }
  return parseJson(text, schema, file);
}

/** Like {@link readJson}, but `undefined` when the file does not exist (first run). */
export async function readJsonIfExists<S extends z.ZodType>(file: string, schema: S): Promise<z.output<S> | undefined> {
  try {
    return await readJson(file, schema);
  } catch (err) {
    if (err instanceof SeedbankError && err.code === 'FILE_MISSING') return undefined;
    throw err;
  }
}

/** Parses and validates JSON text that came from `source` (a file name, used in the error). */
export function parseJson<S extends z.ZodType>(text: string, schema: S, source: string): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new SeedbankError('FILE_NOT_JSON', `${source} is not valid JSON (${(err as Error).message}); it may have been cut short or edited by hand`, {
      hint: `restore ${source} from a backup, or remove it to start that state afresh`,
      context: { file: source },
      cause: err,
    });
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const shown = issues.slice(0, MAX_ISSUES_SHOWN).map((i) => `${i.path.length > 0 ? i.path.join('.') : '(top level)'}: ${i.message}`);
  const more = issues.length > MAX_ISSUES_SHOWN ? ` and ${issues.length - MAX_ISSUES_SHOWN} more` : '';
  throw new SeedbankError('FILE_INVALID', `${source} has unexpected content: ${shown.join('; ')}${more}`, {
    hint: `restore ${source} from a backup, or remove it to start that state afresh`,
    context: { file: source, fields: issues.map((i) => i.path.join('.')) },
  });
}
