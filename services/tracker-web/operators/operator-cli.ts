/**
 * `seedbank catalogue operator add|remove|list`: the approved operators (operator-list.ts).
 * Argument parsing only; the list itself is changed by operator-list.ts.
 */
import type { Command } from 'commander';
import { addOperator, readOperatorList, removeOperator } from './operator-list.ts';

/** What the commands need from the catalogue's CLI. */
export interface OperatorCliContext {
  out: (line: string) => void;
  /** The data folder from --data or the environment (a usage error when neither is given). */
  dataDir: (opts: { data?: string }) => string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Adds `operator add|remove|list` under `seedbank catalogue`. */
export function registerOperatorCommands(catalogue: Command, ctx: () => OperatorCliContext): void {
  const operator = catalogue
    .command('operator')
    .description('approved operators: whose copies count when the catalogue runs with --copies approved');
  operator
    .command('add')
    .description('approve an operator by its key (what `seedbank status` prints on the seeder), by network, or both')
    .argument('[key]', "the operator key, 64 hex digits (omit it for a network-only operator)")
    .requiredOption('--name <name>', 'who runs it (an institution, a person); adding a name again replaces that entry')
    .option('--network <cidr>', 'a network the operator answers for, e.g. 192.0.2.0/24 (hosts there need not prove a key); repeatable', collect, [])
    .option('--data <dir>', 'catalogue data folder; default $SEEDBANK_DATA')
    .action(async (key: string | undefined, opts: { name: string; network: string[]; data?: string }) => {
      const c = ctx();
      const added = await addOperator(c.dataDir(opts), { name: opts.name, operatorKey: key, networks: opts.network });
      c.out(`approved "${added.name}"${added.operatorKey ? ` key ${added.operatorKey}` : ''}${added.networks.length ? ` networks ${added.networks.join(', ')}` : ''}`);
    });
  operator
    .command('remove')
    .description('withdraw an approval')
    .argument('<name-or-key>', 'the name given at `add`, or the operator key')
    .option('--data <dir>', 'catalogue data folder; default $SEEDBANK_DATA')
    .action(async (nameOrKey: string, opts: { data?: string }) => {
      const c = ctx();
      for (const o of await removeOperator(c.dataDir(opts), nameOrKey)) c.out(`removed "${o.name}"`);
    });
  operator
    .command('list')
    .option('--data <dir>', 'catalogue data folder; default $SEEDBANK_DATA')
    .action((opts: { data?: string }) => {
      const c = ctx();
      const list = readOperatorList(c.dataDir(opts));
      for (const o of list) c.out(`${o.name}\t${o.operatorKey ?? '-'}\t${o.networks.join(',') || '-'}\t${o.addedAt}`);
      c.out(`${list.length} approved operator${list.length === 1 ? '' : 's'}`);
    });
}
