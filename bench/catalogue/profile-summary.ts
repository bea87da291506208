/**
 * Reads a V8 .cpuprofile (what `node --cpu-prof` or the inspector's Profiler writes) and sums
 * self time per function and per origin (our code, a package under node_modules, Node itself),
 * plus inclusive time of a few functions of interest, so a bench can say where time goes.
 */
import { readFile } from 'node:fs/promises';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  /** [label, self ms], most first. */
  functions: Array<[string, number]>;
  /** [origin, self ms], most first. */
  origins: Array<[string, number]>;
  /** [function label, inclusive ms] for the labels asked for. */
  inclusive: Array<[string, number]>;
}

function origin(url: string): string {
  if (!url) return '(V8 / native)';
  // The innermost package: string2compact's own copy of ipaddr.js counts as ipaddr.js.
  const nm = [...url.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)].pop();
  if (nm) return `package ${nm[1]}`;
  if (url.startsWith('node:')) return 'Node.js internals';
  if (/\/(services|shared|bin|bench|clients)\//.test(url)) return `seedbank ${/\/((?:services|shared|bin|bench|clients)\/[^/]+(?:\/[^/]+)?)/.exec(url)?.[1] ?? url}`;
  return url;
}

function label(cf: CallFrame): string {
  const file = cf.url ? cf.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(services|shared|bench|bin)\//, '$1/') : '';
  return `${cf.functionName || '(anonymous)'}${file ? ` ${file}:${cf.lineNumber + 1}` : ''}`;
}

/** True when a frame matches `name` or `name@file.ts` (file compared by its last path segment). */
function matches(cf: CallFrame, spec: string): boolean {
  const [name, file] = spec.split('@') as [string, string | undefined];
  return cf.functionName === name && (file === undefined || cf.url.endsWith(`/${file}`));
}

/**
 * Summarises a profile file; `inclusiveOf` names functions (`name` or `name@file.ts`) whose
 * inclusive time is wanted. Samples taken inside the inspector's own `post` (stopping the
 * profiler) are left out: they are the measurement, not the server.
 */
export async function summarizeProfile(file: string, inclusiveOf: string[] = []): Promise<ProfileSummary> {
  const p = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  p.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const fn = new Map<string, number>();
  const org = new Map<string, number>();
  const incl = new Map<string, number>();
  let idle = 0;
  let total = 0;
  for (const [id, us] of selfUs) {
    const stack: CallFrame[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) stack.push(byId.get(at)!.callFrame);
    if (stack.some((f) => f.functionName === 'post' && f.url === 'node:inspector')) continue;
    const cf = stack[0]!;
    total += us;
    if (cf.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const l = label(cf);
    fn.set(l, (fn.get(l) ?? 0) + us);
    const o = cf.functionName === '(garbage collector)' ? '(garbage collector)' : origin(cf.url);
    org.set(o, (org.get(o) ?? 0) + us);
    for (const spec of inclusiveOf) if (stack.some((f) => matches(f, spec))) incl.set(spec, (incl.get(spec) ?? 0) + us);
  }
  const ms = (m: Map<string, number>) => [...m].map(([k, v]) => [k, v / 1000] as [string, number]).sort((a, b) => b[1] - a[1]);
  return { totalMs: total / 1000, idleMs: idle / 1000, functions: ms(fn), origins: ms(org), inclusive: ms(incl) };
}
