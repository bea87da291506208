/**
 * The push parser of MySQL dumps as mysqldump writes them (Wikimedia's `*-<table>.sql.gz`):
 * gzip (or plain) bytes → the table's columns from its own CREATE TABLE → one call per row of
 * every `INSERT INTO ... VALUES (...),(...);`. It works on bytes: a row is a set of offsets into
 * the current buffer, and a value becomes a string or number only when the caller asks for it,
 * so columns nobody asks for cost a scan and nothing else. Memory is one read chunk plus the
 * part of one row (or one non-INSERT statement) that straddles two chunks.
 */
import { SeedbankError } from '../errors.ts';
import { SqlRowView, VALUE_BARE, VALUE_STR, VALUE_STR_ESCAPED, type SqlRow } from './sql-row.ts';

export type { SqlRow, SqlValue } from './sql-row.ts';

/** What to read from a dump. */
export interface SqlDumpReadOptions {
  /** The table whose rows are wanted; INSERTs into other tables are skipped. */
  table: string;
  /** Column names to read, in the order `row.text(k)` etc. index them; omitted: every column. */
  columns?: readonly string[];
  /** Called once the table's column names are known (from its CREATE TABLE). */
  onColumns?(columns: string[]): void;
  /** Called for every row of the table. */
  onRow(row: SqlRow): void;
}

/** Non-INSERT statements longer than this are refused (a CREATE TABLE is a few KiB). */
const MAX_STATEMENT_BYTES = 16 * 1024 * 1024;
/** Bytes of the next chunk joined first to the previous chunk's unfinished step. */
const JOIN_BYTES = 64 * 1024;
/** Bytes of an INSERT statement's head examined for the table name and VALUES keyword. */
const INSERT_HEAD_BYTES = 4096;
const INSERT_HEAD = /^INSERT\s+(?:IGNORE\s+)?INTO\s+`?([^`\s(]+)`?\s*(?:\(([^)]*)\)\s*)?VALUES\s*/i;
const CREATE_HEAD = /^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?`?([^`\s(]+)`?\s*\(/i;
const COLUMN_LINE = /^\s*`([^`]+)`\s+\w/;

const QUOTE = 0x27;
const DQUOTE = 0x22;
const BACKTICK = 0x60;
const BACKSLASH = 0x5c;
const OPEN = 0x28;
const CLOSE = 0x29;
const COMMA = 0x2c;
const SEMI = 0x3b;
const NL = 0x0a;
const DASH = 0x2d;
const HASH = 0x23;
const SLASH = 0x2f;
const STAR = 0x2a;

/** Result of trying to parse at a position: the next position, or NEED when the buffer ends first. */
const NEED = -1;
/** Columns a table may have when the caller asks for all of them. */
const MAX_COLUMNS = 256;

const isSpace = (c: number) => c === 0x20 || c === NL || c === 0x0d || c === 0x09;

/** Column names of a CREATE TABLE statement, in order (key and constraint lines have no leading backquote). */
export function columnsOfCreateTable(statement: string): string[] {
  const open = statement.indexOf('(');
  return statement
    .slice(open + 1)
    .split('\n')
    .map((line) => COLUMN_LINE.exec(line)?.[1])
    .filter((c): c is string => c !== undefined);
}

/** The push parser behind readSqlDump: feed it the dump's bytes in chunks of any size, then call end(). */
export class SqlDumpParser extends SqlRowView {
  private tail: Buffer | null = null;
  /** Inside an INSERT's tuples (after VALUES), and whether it is the wanted table's. */
  private inInsert = false;
  private insertWanted = false;
  /** For the wanted table: input column position → requested index k, or -1. */
  private slotOf: Int32Array | null = null;
  private tableColumns: string[] | null = null;
  /** Cached position of the next backslash in buf (buf.length when none): keeps string scans linear. */
  private nextBackslash = -1;
  private readonly requested: readonly string[] | undefined;
  /** Rows of the wanted table read so far. */
  rows = 0;

  constructor(private readonly o: SqlDumpReadOptions) {
    super(o.columns?.length ?? MAX_COLUMNS);
    this.requested = o.columns;
  }

  /** The wanted table's columns, once its CREATE TABLE has been read. */
  get columns(): string[] | null {
    return this.tableColumns;
  }

  /** Feeds the next bytes of the dump. */
  push(chunk: Buffer): void {
    let start = 0;
    if (this.tail !== null) {
      // Only the piece that straddles the boundary is joined, not the whole chunk: copying every
      // chunk once more cost as much as parsing it.
      let tail = this.tail;
      this.tail = null;
      let take = Math.min(chunk.length, JOIN_BYTES);
      for (;;) {
        const joined = Buffer.concat([tail, chunk.subarray(0, take)]);
        const p = this.run(joined, 0, tail.length);
        if (p >= tail.length) {
          start = p - tail.length;
          break;
        }
        // A step starting in the old tail needs more than `take` bytes of the chunk.
        if (take === chunk.length) {
          this.keepTail(joined, p);
          return;
        }
        tail = joined.subarray(p, tail.length);
        take = Math.min(chunk.length, take * 4);
      }
    }
    const p = this.run(chunk, start, chunk.length);
    if (p < chunk.length) this.keepTail(chunk, p);
  }

  /** Parses buf from p0 step by step until a step starts at or after `stop`; returns that position, or the start of the step that needs more bytes. */
  private run(buf: Buffer, p0: number, stop: number): number {
    this.buf = buf;
    this.nextBackslash = -1;
    let p = p0;
    while (p < stop) {
      const next = this.inInsert ? this.tuples(p) : this.statement(p);
      if (next === NEED) return p;
      p = next;
    }
    return p;
  }

  private keepTail(buf: Buffer, p: number): void {
    if (!this.inInsert && buf.length - p > MAX_STATEMENT_BYTES) {
      throw new SeedbankError('DUMP_INVALID', `a statement of the dump is longer than ${MAX_STATEMENT_BYTES} bytes and is no INSERT`, { hint: 'is this a MySQL dump as mysqldump writes it?' });
    }
    this.tail = Buffer.from(buf.subarray(p));
  }

  /** Says the dump ended: refuses a dump cut inside a statement, or without the wanted table's CREATE TABLE. */
  end(source = 'the dump'): void {
    const rest = this.tail === null ? '' : this.tail.toString('latin1').trim();
    if (this.inInsert || (rest !== '' && !/^(--[^\n]*)?$/.test(rest))) {
      throw new SeedbankError('DUMP_TRUNCATED', `${source} ends inside a statement`, { hint: 'the download may be incomplete; fetch the file again and compare its checksum' });
    }
    if (this.tableColumns === null) {
      throw new SeedbankError('DUMP_INVALID', `${source} has no CREATE TABLE \`${this.o.table}\``, { hint: `is this a dump of the ${this.o.table} table?` });
    }
  }

  // --- top level: comments, CREATE TABLE, other statements, the head of an INSERT ---

  private statement(p0: number): number {
    const buf = this.buf;
    const n = buf.length;
    let p = p0;
    while (p < n && (isSpace(buf[p]!) || buf[p] === SEMI)) p++;
    if (p === n) return n;
    const c = buf[p]!;
    if ((c === DASH && buf[p + 1] === DASH) || c === HASH || (c === DASH && p + 1 === n)) {
      const nl = buf.indexOf(NL, p);
      return nl < 0 ? NEED : nl + 1;
    }
    if (c === 0x49 || c === 0x69) {
      // INSERT: find the table and the VALUES keyword, then read tuples in place.
      const head = buf.toString('latin1', p, Math.min(n, p + INSERT_HEAD_BYTES));
      const m = INSERT_HEAD.exec(head);
      if (m && m[0].length < head.length) {
        this.startInsert(m[1]!, m[2]);
        return p + m[0].length;
      }
      // A head cut by the chunk's end: wait for more before deciding it is no INSERT.
      if (n - p < INSERT_HEAD_BYTES && !head.includes(';') && /^INSERT/i.test(head.slice(0, 6))) return NEED;
    }
    const end = this.statementEnd(p);
    if (end === NEED) return NEED;
    if (c === 0x43 || c === 0x63) {
      const text = buf.toString('utf8', p, end);
      const m = CREATE_HEAD.exec(text);
      if (m && m[1] === this.o.table) this.setColumns(columnsOfCreateTable(text), 'CREATE TABLE');
    }
    return end + 1;
  }

  /** Position of the `;` ending the statement at p (quotes and comments skipped), or NEED. */
  private statementEnd(p0: number): number {
    const buf = this.buf;
    const n = buf.length;
    let p = p0;
    while (p < n) {
      const c = buf[p]!;
      if (c === SEMI) return p;
      if (c === QUOTE || c === DQUOTE || c === BACKTICK) {
        p++;
        while (p < n && buf[p] !== c) p += buf[p] === BACKSLASH && c !== BACKTICK ? 2 : 1;
        if (p >= n) return NEED;
      } else if (c === SLASH && buf[p + 1] === STAR) {
        const close = buf.indexOf('*/', p + 2);
        if (close < 0) return NEED;
        p = close + 1;
      }
      p++;
    }
    return NEED;
  }

  private setColumns(columns: string[], from: string): void {
    this.tableColumns = columns;
    const slot = new Int32Array(columns.length).fill(-1);
    if (this.requested) {
      const missing = this.requested.filter((c) => !columns.includes(c));
      if (missing.length > 0) {
        throw new SeedbankError('DUMP_INVALID', `the ${this.o.table} table's ${from} has no column ${missing.join(', ')}`, { hint: `is this a dump of MediaWiki's ${this.o.table} table?`, context: { columns } });
      }
      this.requested.forEach((name, k) => (slot[columns.indexOf(name)] = k));
    } else {
      if (columns.length > this.starts.length) throw new SeedbankError('DUMP_INVALID', `the ${this.o.table} table has more than ${this.starts.length} columns`, { hint: 'ask for the columns you need by name' });
      columns.forEach((_, i) => (slot[i] = i));
    }
    this.slotOf = slot;
    this.o.onColumns?.(columns);
  }

  private startInsert(table: string, columnList: string | undefined): void {
    this.inInsert = true;
    this.insertWanted = table === this.o.table;
    if (!this.insertWanted) return;
    if (columnList !== undefined) this.setColumns(columnList.split(',').map((c) => c.trim().replace(/^`|`$/g, '')), 'INSERT column list');
    if (this.slotOf === null) {
      throw new SeedbankError('DUMP_INVALID', `rows of the ${table} table come before its CREATE TABLE statement`, { hint: 'give the whole dump, header included' });
    }
  }

  // --- tuples: (v,v,...),(v,...); ---

  /** Parses from p: separators, then one whole tuple; returns the position after it, or NEED. */
  private tuples(p0: number): number {
    const buf = this.buf;
    const n = buf.length;
    let p = p0;
    while (p < n) {
      const c = buf[p]!;
      if (c === OPEN) break;
      if (c === SEMI) {
        this.inInsert = false;
        return p + 1;
      }
      if (c !== COMMA && !isSpace(c)) {
        throw new SeedbankError('DUMP_INVALID', `unexpected ${JSON.stringify(String.fromCharCode(c))} between the rows of an INSERT`, { hint: 'is this a MySQL dump as mysqldump writes it?' });
      }
      p++;
    }
    if (p === n) return n;
    const end = this.tuple(p + 1);
    if (end === NEED) return NEED;
    if (this.insertWanted) {
      this.rows++;
      this.o.onRow(this);
    }
    return end;
  }

  /** Parses the values of one tuple starting after its `(`; records wanted ones; returns the position after `)`. */
  private tuple(p0: number): number {
    const buf = this.buf;
    const n = buf.length;
    const slot = this.insertWanted ? this.slotOf! : null;
    let p = p0;
    let col = 0;
    for (;;) {
      while (p < n && isSpace(buf[p]!)) p++;
      if (p >= n) return NEED;
      let c = buf[p]!;
      if (c === CLOSE && col === 0) {
        // An empty tuple: no row of a table that has columns.
        if (slot !== null && slot.length > 0) this.missingValues(0);
        return p + 1;
      }
      const k = slot !== null && col < slot.length ? slot[col]! : -1;
      if (c !== QUOTE) {
        // Bare value (number, NULL) or a charset introducer before a string (_binary '...').
        const s = p;
        while (p < n && (c = buf[p]!) !== COMMA && c !== CLOSE && c !== QUOTE) p++;
        if (p >= n) return NEED;
        if (c !== QUOTE && k >= 0) {
          let e = p;
          while (e > s && isSpace(buf[e - 1]!)) e--;
          this.starts[k] = s;
          this.ends[k] = e;
          this.kinds[k] = VALUE_BARE;
        }
      }
      if (c === QUOTE) {
        const s = ++p;
        let escaped = false;
        let q = buf.indexOf(QUOTE, p);
        for (;;) {
          if (q < 0) return NEED;
          if (this.nextBackslash < p) {
            const b = buf.indexOf(BACKSLASH, p);
            this.nextBackslash = b < 0 ? n : b;
          }
          if (this.nextBackslash < q) {
            // An escape before the quote: skip it; the quote found stays valid unless it was the escaped one.
            escaped = true;
            p = this.nextBackslash + 2;
            if (p > n) return NEED;
            if (q < p) q = buf.indexOf(QUOTE, p);
            continue;
          }
          if (q + 1 >= n) return NEED;
          if (buf[q + 1] === QUOTE) {
            escaped = true;
            p = q + 2;
            q = buf.indexOf(QUOTE, p);
            continue;
          }
          if (k >= 0) {
            this.starts[k] = s;
            this.ends[k] = q;
            this.kinds[k] = escaped ? VALUE_STR_ESCAPED : VALUE_STR;
          }
          p = q + 1;
          break;
        }
        while (p < n && isSpace(buf[p]!)) p++;
        if (p >= n) return NEED;
        c = buf[p]!;
      }
      p++;
      if (c === CLOSE) {
        if (slot !== null && col + 1 < slot.length) this.missingValues(col + 1);
        return p;
      }
      if (c !== COMMA) throw new SeedbankError('DUMP_INVALID', `unexpected ${JSON.stringify(String.fromCharCode(c))} after a value in an INSERT`, { hint: 'is this a MySQL dump as mysqldump writes it?' });
      col++;
    }
  }

  private missingValues(from: number): void {
    throw new SeedbankError('DUMP_INVALID', `a row of ${this.o.table} has ${from} values but the table has ${this.slotOf!.length} columns`, { hint: 'the dump and its CREATE TABLE disagree; is the file complete?' });
  }
}
