/**
 * From audited holders of a file to the copy figures people read (DESIGN.md, "Redundancy:
 * what a copy is"). A remote audit cannot tell a disk from a relay, so:
 * - any copies: each address counts once, each operator key counts once, and an address and
 *   a key it proved are one copy (hosts joined by a shared key are one group). Three relays
 *   forwarding to one seeder prove its key: one copy. Hosts proving no key count once each.
 * - approved copies: distinct approved operators (DATA/operators.json) among the holders, by
 *   proven key or else by network; everything else adds nothing.
 * The headline `copies` is one of the two, as the catalogue is configured (`--copies`).
 */
import type { ApprovedOperators } from './operator-list.ts';

/** What the headline copy count counts. */
export type CopyMode = 'any' | 'approved';
export const COPY_MODES: readonly CopyMode[] = ['any', 'approved'];

/** One operator among a file's holders. */
export interface OperatorHolding {
  operatorKey: string;
  /** The approved operator's name, null when the key is not approved. */
  name: string | null;
  /** Addresses that proved this key (one seeder on several addresses, or relays to it). */
  hosts: string[];
}

/** A file's copy figures. */
export interface CopyFigures {
  /** The headline: `approvedCopies` or `anyCopies` as configured. */
  copies: number;
  copiesMode: CopyMode;
  /** Distinct approved operators holding the file. */
  approvedCopies: number;
  /** Distinct holders: each address, each operator key, counted once. */
  anyCopies: number;
  /** The keys proven by holders, with the addresses that proved each. */
  operators: OperatorHolding[];
  /** Holders that proved no operator key (another client, or an old seeder): each counts once per address in `anyCopies`. */
  unproven: string[];
  /** Holders that added no copy because a host counted already proved the same key (relays, second addresses). */
  notIndependent: string[];
  /** Holders that no approved operator accounts for (they add nothing to `approvedCopies`). */
  notApproved: string[];
}

/** Union-find over host names, for "an address and a key it proved are one copy". */
class Groups {
  private readonly parent = new Map<string, string>();

  find(x: string): string {
    let root = x;
    while (this.parent.has(root) && this.parent.get(root) !== root) root = this.parent.get(root)!;
    if (!this.parent.has(x)) this.parent.set(x, x);
    return root;
  }

  join(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    // The smaller name stays the root, so the group's representative does not depend on order.
    if (ra !== rb) this.parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
  }
}

/**
 * The copy figures of one file from its holders (sorted hosts that passed an audit and hold
 * every piece of it) and the keys they proved.
 */
export function copyFigures(
  hosts: readonly string[],
  operatorKeys: ReadonlyMap<string, Iterable<string>>,
  approved: ApprovedOperators,
  mode: CopyMode,
): CopyFigures {
  const groups = new Groups();
  const byKey = new Map<string, string[]>();
  const approvedNames = new Set<string>();
  const notApproved: string[] = [];
  const unproven: string[] = [];
  for (const h of hosts) {
    groups.find(h);
    const keys = [...(operatorKeys.get(h) ?? [])];
    if (keys.length === 0) unproven.push(h);
    for (const k of keys) {
      const seen = byKey.get(k);
      if (seen) {
        groups.join(seen[0]!, h);
        seen.push(h);
      } else {
        byKey.set(k, [h]);
      }
    }
    const operator = approved.match(h, keys);
    if (operator) approvedNames.add(operator.name);
    else notApproved.push(h);
  }
  const notIndependent = hosts.filter((h) => groups.find(h) !== h);
  const anyCopies = hosts.length - notIndependent.length;
  const approvedCopies = approvedNames.size;
  const operators = [...byKey].sort(([a], [b]) => (a < b ? -1 : 1)).map(([operatorKey, hs]) => ({
    operatorKey,
    name: approved.byOperatorKey(operatorKey)?.name ?? null,
    hosts: hs,
  }));
  return {
    copies: mode === 'approved' ? approvedCopies : anyCopies,
    copiesMode: mode,
    approvedCopies,
    anyCopies,
    operators,
    unproven,
    notIndependent,
    notApproved,
  };
}
