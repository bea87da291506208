/**
 * What a catalogue heap holds, from V8 heap snapshots (`npm run bench:catalogue -- --heap-snapshot
 * DIR` writes one at the end of each run): self size by constructor, and retained size by owner
 * field (`CensusRunner.latest`, `CopyIndex.perVolume`, ...) from the dominator tree. Given two
 * snapshots (say 1M and 10M files), prints both side by side with the growth, and the growth per
 * added set or volume when their counts are given. No dependencies: the snapshot is read as bytes
 * (a 10M snapshot passes what JSON.parse takes in one string).
 *
 *   node bin/run-ts.js bench/catalogue/heap-summary.ts A.heapsnapshot [B.heapsnapshot]
 *     [--top 30] [--sets 1000,10000] [--volumes 4000,40000]
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

/** One snapshot's graph in flat typed arrays, as V8 writes it. */
interface HeapGraph {
  nodeCount: number;
  /** Per node: type index, name (string index), self size, first edge index. */
  type: Uint8Array;
  name: Uint32Array;
  self: Float64Array;
  firstEdge: Uint32Array;
  edgeType: Uint8Array;
  edgeName: Uint32Array;
  /** Target node index (not the flat array offset). */
  edgeTo: Uint32Array;
  strings: string[];
  nodeTypes: string[];
  edgeTypes: string[];
}

const BRACKET = 0x5b;
const CLOSE = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Parses the unsigned integers of the JSON array starting at `from` (just after its '['). */
function readInts(buf: Buffer, from: number, count: number): { values: Uint32Array; end: number } {
  const values = new Uint32Array(count);
  let k = 0;
  let v = 0;
  let inNum = false;
  let i = from;
  for (; i < buf.length; i++) {
    const c = buf[i]!;
    if (c >= 0x30 && c <= 0x39) {
      v = v * 10 + (c - 0x30);
      inNum = true;
    } else {
      if (inNum) values[k++] = v;
      v = 0;
      inNum = false;
      if (c === CLOSE) break;
    }
  }
  if (k !== count) throw new Error(`expected ${count} numbers, read ${k}`);
  return { values, end: i + 1 };
}

/** Parses the JSON string array starting at `from` (just after its '['). */
function readStrings(buf: Buffer, from: number): string[] {
  const out: string[] = [];
  let i = from;
  while (i < buf.length) {
    const c = buf[i]!;
    if (c === CLOSE) break;
    if (c !== QUOTE) {
      i++;
      continue;
    }
    let j = i + 1;
    let escaped = false;
    while (buf[j] !== QUOTE) {
      if (buf[j] === BACKSLASH) {
        escaped = true;
        j++;
      }
      j++;
    }
    out.push(escaped ? (JSON.parse(buf.toString('utf8', i, j + 1)) as string) : buf.toString('utf8', i + 1, j));
    i = j + 1;
  }
  return out;
}

/** Reads a .heapsnapshot file into typed arrays. */
export function readSnapshot(file: string): HeapGraph {
  const buf = readFileSync(file);
  const nodesAt = buf.indexOf('"nodes":[');
  const header = JSON.parse(`${buf.toString('utf8', 0, nodesAt).trim().replace(/,$/, '')}}`) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] }; node_count: number; edge_count: number };
  };
  const { meta, node_count: nodeCount, edge_count: edgeCount } = header.snapshot;
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const nodes = readInts(buf, nodesAt + '"nodes":['.length, nodeCount * nf);
  const edgesAt = buf.indexOf('"edges":[', nodes.end);
  const edges = readInts(buf, edgesAt + '"edges":['.length, edgeCount * ef);
  const stringsAt = buf.indexOf('"strings":[', edges.end);
  const strings = readStrings(buf, stringsAt + '"strings":['.length);
  const fi = (name: string) => meta.node_fields.indexOf(name);
  const [tI, nI, sI, cI] = [fi('type'), fi('name'), fi('self_size'), fi('edge_count')];
  const g: HeapGraph = {
    nodeCount,
    type: new Uint8Array(nodeCount),
    name: new Uint32Array(nodeCount),
    self: new Float64Array(nodeCount),
    firstEdge: new Uint32Array(nodeCount + 1),
    edgeType: new Uint8Array(edgeCount),
    edgeName: new Uint32Array(edgeCount),
    edgeTo: new Uint32Array(edgeCount),
    strings,
    nodeTypes: meta.node_types[0],
    edgeTypes: meta.edge_types[0],
  };
  let e = 0;
  for (let n = 0; n < nodeCount; n++) {
    const o = n * nf;
    g.type[n] = nodes.values[o + tI]!;
    g.name[n] = nodes.values[o + nI]!;
    g.self[n] = nodes.values[o + sI]!;
    g.firstEdge[n] = e;
    e += nodes.values[o + cI]!;
  }
  g.firstEdge[nodeCount] = e;
  const [etI, enI, toI] = [meta.edge_fields.indexOf('type'), meta.edge_fields.indexOf('name_or_index'), meta.edge_fields.indexOf('to_node')];
  for (let k = 0; k < edgeCount; k++) {
    g.edgeType[k] = edges.values[k * ef + etI]!;
    g.edgeName[k] = edges.values[k * ef + enI]!;
    g.edgeTo[k] = edges.values[k * ef + toI]! / nf;
  }
  return g;
}

/** The label objects are grouped by: the constructor for objects, the kind in parentheses otherwise. */
function label(g: HeapGraph, n: number): string {
  const t = g.nodeTypes[g.type[n]!]!;
  if (t === 'object' || t === 'native') return g.strings[g.name[n]!]!;
  if (t === 'hidden' || t === 'array') return `(${t} ${g.strings[g.name[n]!]!.slice(0, 40)})`;
  return `(${t})`;
}

function edgeLabel(g: HeapGraph, k: number): string {
  const t = g.edgeTypes[g.edgeType[k]!]!;
  if (t === 'element' || t === 'hidden') return `[${t}]`;
  // A WeakMap entry's edge from its key names both ends and the table with node ids: keep the value's kind only.
  const name = g.strings[g.edgeName[k]!]!;
  const weakMapValue = / -> value \(([^@]*?) @\d+\) pair in WeakMap/.exec(name);
  return weakMapValue ? `(WeakMap value ${weakMapValue[1]})` : name;
}

/**
 * Immediate dominators from the root (node 0) over strong edges (Cooper, Harvey and Kennedy's
 * iterative algorithm on a depth-first postorder), then each node's retained size.
 */
function retained(g: HeapGraph): { idom: Int32Array; retained: Float64Array; order: Int32Array } {
  const n = g.nodeCount;
  const weak = g.edgeTypes.indexOf('weak');
  const shortcut = g.edgeTypes.indexOf('shortcut');
  const strong = (k: number) => g.edgeType[k] !== weak && g.edgeType[k] !== shortcut;
  const post = new Int32Array(n).fill(-1);
  const order = new Int32Array(n);
  let count = 0;
  // Iterative depth-first search: a stack of (node, next edge).
  const stackNode = new Int32Array(n);
  const stackEdge = new Uint32Array(n);
  const seen = new Uint8Array(n);
  let sp = 0;
  stackNode[0] = 0;
  stackEdge[0] = g.firstEdge[0]!;
  seen[0] = 1;
  while (sp >= 0) {
    const u = stackNode[sp]!;
    const k = stackEdge[sp]!;
    if (k < g.firstEdge[u + 1]!) {
      stackEdge[sp] = k + 1;
      const v = g.edgeTo[k]!;
      if (strong(k) && !seen[v]) {
        seen[v] = 1;
        sp++;
        stackNode[sp] = v;
        stackEdge[sp] = g.firstEdge[v]!;
      }
    } else {
      post[u] = count;
      order[count++] = u;
      sp--;
    }
  }
  // Predecessors (strong edges between reachable nodes), as a compressed list.
  const predCount = new Uint32Array(n + 1);
  for (let u = 0; u < n; u++) {
    if (post[u]! < 0) continue;
    for (let k = g.firstEdge[u]!; k < g.firstEdge[u + 1]!; k++) if (strong(k)) predCount[g.edgeTo[k]! + 1]!++;
  }
  for (let v = 0; v < n; v++) predCount[v + 1]! += predCount[v]!;
  const preds = new Int32Array(predCount[n]!);
  const fill = predCount.slice(0, n);
  for (let u = 0; u < n; u++) {
    if (post[u]! < 0) continue;
    for (let k = g.firstEdge[u]!; k < g.firstEdge[u + 1]!; k++) if (strong(k)) preds[fill[g.edgeTo[k]!]!++] = u;
  }
  // idom by postorder number; the root is the highest.
  const idom = new Int32Array(count).fill(-1);
  const root = count - 1;
  idom[root] = root;
  const intersect = (a: number, b: number) => {
    while (a !== b) {
      while (a < b) a = idom[a]!;
      while (b < a) b = idom[b]!;
    }
    return a;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (let p = root - 1; p >= 0; p--) {
      const v = order[p]!;
      let d = -1;
      for (let i = predCount[v]!; i < predCount[v + 1]!; i++) {
        const q = post[preds[i]!]!;
        if (idom[q] === -1) continue;
        d = d === -1 ? q : intersect(q, d);
      }
      if (d !== -1 && idom[p] !== d) {
        idom[p] = d;
        changed = true;
      }
    }
  }
  const size = new Float64Array(n);
  const byNode = new Int32Array(n).fill(-1);
  for (let p = 0; p < count; p++) size[order[p]!] = g.self[order[p]!]!;
  for (let p = 0; p < root; p++) {
    const v = order[p]!;
    const d = order[idom[p]!]!;
    byNode[v] = d;
    size[d]! += size[v]!;
  }
  return { idom: byNode, retained: size, order: order.subarray(0, count) };
}

/** Constructors that are containers, not owners: a node's owner is the nearest dominator of another class. */
const CONTAINERS = new Set(['Object', 'Array', 'Map', 'Set', 'WeakMap', 'WeakSet', 'Promise', 'Function', 'ArrayBuffer', 'Buffer', 'Uint8Array', 'Uint32Array', 'Int32Array', 'Float64Array', 'Generator', 'Error']);

/** How far up the first-retainer chain an owner is looked for. */
const FIRST_RETAINER_DEPTH = 12;

/** Whether a node owns what it dominates, for the attribution: an instance of one of our classes, or a closure's context (module and function variables). */
function isOwner(g: HeapGraph, n: number): boolean {
  const t = g.nodeTypes[g.type[n]!]!;
  const name = g.strings[g.name[n]!]!;
  if (name === 'system / Context') return true;
  return t === 'object' && /^[A-Z]/.test(name) && !CONTAINERS.has(name) && !name.startsWith('system');
}

/**
 * Self size and count per label; retained size per owner field (an edge whose target the
 * owner dominates); and every node's self size attributed to its nearest owning dominator's
 * field (`CensusRunner.latest`, `Context.bases`), so nested containers do not hide who keeps them.
 */
function summarize(file: string): { selfBy: Map<string, { bytes: number; count: number }>; ownedBy: Map<string, number>; attributed: Map<string, number>; total: number; nodes: number } {
  const g = readSnapshot(file);
  const { idom, retained: size, order } = retained(g);
  const selfBy = new Map<string, { bytes: number; count: number }>();
  let total = 0;
  for (let n = 0; n < g.nodeCount; n++) {
    const key = label(g, n);
    const s = selfBy.get(key) ?? { bytes: 0, count: 0 };
    s.bytes += g.self[n]!;
    s.count++;
    selfBy.set(key, s);
    total += g.self[n]!;
  }
  const ownedBy = new Map<string, number>();
  const objectType = g.nodeTypes.indexOf('object');
  for (let u = 0; u < g.nodeCount; u++) {
    if (g.type[u] !== objectType) continue;
    const owner = g.strings[g.name[u]!]!;
    for (let k = g.firstEdge[u]!; k < g.firstEdge[u + 1]!; k++) {
      const v = g.edgeTo[k]!;
      if (idom[v] !== u) continue;
      const key = `${owner}.${edgeLabel(g, k)}`;
      ownedBy.set(key, (ownedBy.get(key) ?? 0) + size[v]!);
    }
  }
  // The first strong retainer of each node, for what no single owner dominates.
  const weak = g.edgeTypes.indexOf('weak');
  const firstRetainer = new Int32Array(g.nodeCount).fill(-1);
  const firstVia = new Int32Array(g.nodeCount).fill(-1);
  for (let u = 0; u < g.nodeCount; u++) {
    for (let k = g.firstEdge[u]!; k < g.firstEdge[u + 1]!; k++) {
      const v = g.edgeTo[k]!;
      if (g.edgeType[k] !== weak && firstRetainer[v]! < 0 && v !== u) {
        firstRetainer[v] = u;
        firstVia[v] = k;
      }
    }
  }
  const firstOwnerMemo = new Map<number, string>();
  const firstOwner = (v: number): string => {
    const seen: number[] = [];
    let n = v;
    let found = `${label(g, v)}`;
    for (let depth = 0; depth < FIRST_RETAINER_DEPTH; depth++) {
      const memo = firstOwnerMemo.get(n);
      if (memo !== undefined) {
        found = memo;
        break;
      }
      seen.push(n);
      const u = firstRetainer[n]!;
      if (u < 0) break;
      if (isOwner(g, u)) {
        found = `${g.strings[g.name[u]!]!.replace('system / Context', 'Context')}.${edgeLabel(g, firstVia[n]!)}`;
        break;
      }
      n = u;
    }
    for (const m of seen) firstOwnerMemo.set(m, found);
    return found;
  };
  // Owner keys down the dominator tree, root first (reverse postorder): a node takes its dominator's key unless the dominator is an owner.
  const keyIds = new Map<string, number>();
  const keyNames: string[] = ['(root)'];
  keyIds.set('(root)', 0);
  const ownerKey = new Int32Array(g.nodeCount);
  const attributed = new Map<string, number>();
  for (let p = order.length - 1; p >= 0; p--) {
    const v = order[p]!;
    const d = idom[v]!;
    if (d < 0) continue;
    if (isOwner(g, d)) {
      let via = '?';
      for (let k = g.firstEdge[d]!; k < g.firstEdge[d + 1]!; k++) {
        if (g.edgeTo[k] === v) {
          via = edgeLabel(g, k);
          break;
        }
      }
      const owner = g.strings[g.name[d]!]!.replace('system / Context', 'Context');
      const key = `${owner}.${via}`;
      let id = keyIds.get(key);
      if (id === undefined) {
        id = keyNames.length;
        keyNames.push(key);
        keyIds.set(key, id);
      }
      ownerKey[v] = id;
    } else ownerKey[v] = ownerKey[d]!;
    // What no single owner keeps (several hold it: a WeakMap's key and table, a string two maps share) goes to its first retainer's owner.
    const key = ownerKey[v] === 0 ? `(shared) ${firstOwner(v)}` : keyNames[ownerKey[v]!]!;
    attributed.set(key, (attributed.get(key) ?? 0) + g.self[v]!);
  }
  return { selfBy, ownedBy, attributed, total, nodes: g.nodeCount };
}

const mib = (b: number) => (b / 2 ** 20).toFixed(1);

function main(): void {
  const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '30' }, sets: { type: 'string' }, volumes: { type: 'string' } }, allowPositionals: true });
  if (positionals.length === 0 || positionals.length > 2) {
    console.error('usage: heap-summary.ts A.heapsnapshot [B.heapsnapshot] [--top 30] [--sets a,b] [--volumes a,b]');
    process.exit(2);
  }
  const top = Number(values.top);
  const runs = positionals.map((f) => ({ file: f, ...summarize(f) }));
  for (const r of runs) console.log(`${r.file}: ${r.nodes.toLocaleString('en')} nodes, ${mib(r.total)} MiB self size in all`);
  const [a, b] = runs;
  const per = (name: string, list: string | undefined) => {
    const [x, y] = (list ?? '').split(',').map(Number);
    return x !== undefined && y !== undefined && y > x ? { name, added: y - x } : null;
  };
  const units = [per('set', values.sets), per('volume', values.volumes)].filter((u) => u !== null);
  const table = (title: string, get: (r: (typeof runs)[number]) => Map<string, number>, fmt = mib, perUnit = (x: number) => x.toFixed(0)) => {
    console.log(`\n## ${title}\n`);
    const keys = new Set<string>();
    for (const r of runs) for (const k of get(r).keys()) keys.add(k);
    const rows = [...keys].map((k) => ({ k, x: get(a!).get(k) ?? 0, y: b ? (get(b).get(k) ?? 0) : undefined }));
    // Largest growth first (or largest, for one snapshot); then what shrank most.
    rows.sort((p, q) => (q.y === undefined ? q.x - p.x : Math.abs(q.y - q.x) - Math.abs(p.y! - p.x)));
    console.log(`| ${b ? 'MiB A | MiB B | growth MiB' : 'MiB'} ${units.map((u) => `| bytes per added ${u.name} `).join('')}| what |`);
    console.log(`| ---: ${b ? '| ---: | ---: ' : ''}${units.map(() => '| ---: ').join('')}| --- |`);
    for (const r of rows.slice(0, top)) {
      const growth = r.y === undefined ? '' : ` | ${fmt(r.y)} | ${fmt(r.y - r.x)}`;
      console.log(`| ${fmt(r.x)}${growth} ${units.map((u) => `| ${r.y === undefined ? '' : perUnit((r.y - r.x) / u.added)} `).join('')}| ${r.k} |`);
    }
  };
  table('Self size by constructor or kind', (r) => new Map([...r.selfBy].map(([k, v]) => [k, v.bytes])));
  table('Objects by constructor or kind (counts; per added unit: objects)', (r) => new Map([...r.selfBy].map(([k, v]) => [k, v.count])), String, (x) => x.toFixed(1));
  table('Self size attributed to the nearest owning object (Class.field) or module variable (Context.name)', (r) => r.attributed);
  table('Retained size by owner field (Owner.field: what the field alone keeps alive; nested owners repeat)', (r) => r.ownedBy);
}

// Runs as a script; other scripts may import readSnapshot.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
