// A throwaway MariaDB server for the one fixture wiki that runs on MySQL (the dump tests):
// Debian's mariadbd with its own data folder and socket inside the wiki's temp folder, no TCP
// port at all (--skip-networking), in a process group of its own that dies with Node (the same
// watchdog as php -S and nginx). `mysqldump` reads its tables as Wikimedia's dump runs do.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { startGroupServer, tailFile, waitFor, type GroupServer } from './php-server.ts';

const READY_TIMEOUT_MS = 30_000;
/** Small buffers: the fixture database is a few megabytes, and several helpers share the machine. */
const SERVER_TUNING = [
  '--innodb-buffer-pool-size=32M',
  '--innodb-log-file-size=16M',
  // A test database: no fsync per commit (as the SQLite fixture runs with synchronous=OFF).
  '--innodb-flush-log-at-trx-commit=0',
  '--skip-log-bin',
  '--performance-schema=OFF',
];

/** A running mariadbd reachable only through its Unix socket. */
export interface MariaDb {
  readonly socket: string;
  readonly dataDir: string;
  readonly pgid: number;
  /** `mysqldump` of one table of `database`, gzipped into `file`, as Wikimedia's `*-<table>.sql.gz`. */
  dumpTable(database: string, table: string, file: string): Promise<void>;
  /** Runs one SQL statement batch through the `mariadb` client; resolves with its tab-separated output. */
  sql(database: string, statements: string): Promise<string>;
  /** Feeds a stream of SQL text to the `mariadb` client (bulk loads too big for one argument); resolves when it is done. */
  sqlFrom(database: string, statements: AsyncIterable<string>): Promise<void>;
  stop(): Promise<void>;
}

/** Runs a command to the end; rejects with its stderr when it fails. */
function run(command: string, args: string[], opts: { cwd: string; stdout?: NodeJS.WritableStream }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    if (opts.stdout) child.stdout.pipe(opts.stdout);
    else child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${Buffer.concat(err).toString('utf8').slice(-3000)}`));
    });
  });
}

/** Starts mariadbd on a fresh data folder under `dir`; root logs in without a password, over the socket only. */
export async function startMariaDb(dir: string): Promise<MariaDb> {
  const dataDir = path.join(dir, 'data');
  const socket = path.join(dir, 'mysqld.sock');
  const logFile = path.join(dir, 'mariadbd.log');
  await fs.mkdir(dir, { recursive: true });
  // mariadbd refuses to run as root unless told so; any other user runs it as itself.
  const asUser = process.getuid?.() === 0 ? ['--user=root'] : [];
  await run('mariadb-install-db', ['--no-defaults', `--datadir=${dataDir}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...asUser], { cwd: dir });
  const server: GroupServer = await startGroupServer({
    command: 'mariadbd',
    args: ['--no-defaults', `--datadir=${dataDir}`, `--socket=${socket}`, '--skip-networking', `--pid-file=${path.join(dir, 'mariadbd.pid')}`, `--tmpdir=${dir}`, ...SERVER_TUNING, ...asUser],
    cwd: dir,
    env: process.env,
    logFile,
  });
  const client = (extra: string[]) => ['--no-defaults', `--socket=${socket}`, '--user=root', ...extra];
  try {
    await waitFor(
      `mariadbd to accept connections on ${socket}`,
      async () => {
        if (server.exited()) throw new Error('mariadbd exited');
        return new Promise<true | undefined>((resolve) => {
          const c = net.createConnection({ path: socket }, () => {
            c.destroy();
            resolve(true);
          });
          c.on('error', () => resolve(undefined));
        });
      },
      { timeoutMs: READY_TIMEOUT_MS, detail: () => tailFile(logFile) },
    );
  } catch (err) {
    await server.stop();
    throw err;
  }
  return {
    socket,
    dataDir,
    pgid: server.pgid,
    async dumpTable(database, table, file) {
      const gzip = createGzip();
      const done = pipeline(gzip, createWriteStream(file));
      // Wikimedia's table dumps: one CREATE TABLE, then extended INSERTs of many rows each, strings as stored bytes.
      await run('mysqldump', client(['--single-transaction', '--quick', '--default-character-set=binary', database, table]), { cwd: dir, stdout: gzip });
      await done;
    },
    sql: (database, statements) => run('mariadb', client(['--batch', '--skip-column-names', database, '-e', statements]), { cwd: dir }),
    async sqlFrom(database, statements) {
      const child = spawn('mariadb', client(['--batch', database]), { cwd: dir, stdio: ['pipe', 'ignore', 'pipe'] });
      const err: Buffer[] = [];
      child.stderr.on('data', (c: Buffer) => err.push(c));
      const exited = new Promise<number | null>((resolve, reject) => {
        child.on('error', reject);
        child.on('close', resolve);
      });
      // A failed statement ends the client, which closes its stdin: report its error, not the EPIPE.
      const fed = pipeline(Readable.from(statements), child.stdin).catch((e: unknown) => e);
      const [code, feedError] = await Promise.all([exited, fed]);
      if (code !== 0) throw new Error(`mariadb ${database} (SQL from a stream) exited with ${code}:\n${Buffer.concat(err).toString('utf8').slice(-3000)}`);
      if (feedError) throw feedError;
    },
    stop: () => server.stop(),
  };
}
