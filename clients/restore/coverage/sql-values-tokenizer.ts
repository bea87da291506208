/**
 * A streaming tokenizer for MySQL dumps (mysqldump's format, as Wikimedia publishes its
 * `*-image.sql.gz` tables): feed it text in chunks of any size, it calls back once per
 * `CREATE TABLE` statement (with its column names, in order) and once per row of every
 * `INSERT INTO ... VALUES (...),(...);` statement. State carries across chunks, so memory
 * is bounded by one value (or one non-INSERT statement), never by the dump.
 */

/** One SQL value: strings unescaped, numbers as numbers, NULL as null. */
export type SqlValue = string | number | null;

export interface SqlDumpHandlers {
  /** A `CREATE TABLE` statement: the table and its column names in order. */
  onCreateTable?(table: string, columns: string[]): void;
  /** A row of an INSERT into `table`; values of unwanted columns are undefined. */
  onRow(table: string, values: (SqlValue | undefined)[]): void;
}

/** Non-INSERT statements longer than this are not kept whole (a CREATE TABLE is a few KiB). */
const MAX_STATEMENT_CHARS = 1024 * 1024;

const enum S {
  Top,
  TopString,
  TopEscape,
  TopComment,
  Between,
  Value,
  Str,
  StrEscape,
  StrQuote,
  Bare,
  AfterValue,
}

const ESCAPES: Record<string, string> = { '0': '\0', n: '\n', r: '\r', t: '\t', Z: '\x1a', b: '\b' };
const INSERT_HEAD = /^\s*INSERT\s+(?:IGNORE\s+)?INTO\s+`?([^`\s(]+)`?(?:\s*\([^)]*\))?\s+VALUES\s*$/i;
const CREATE_HEAD = /^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?`?([^`\s(]+)`?\s*\(/i;
const COLUMN_LINE = /^\s*`([^`]+)`\s+\w/;

/** Column names of a CREATE TABLE body, in order (key and constraint lines have no leading backquote). */
export function columnsOfCreateTable(statement: string): string[] {
  const open = statement.indexOf('(');
  return statement
    .slice(open + 1)
    .split('\n')
    .map((line) => COLUMN_LINE.exec(line)?.[1])
    .filter((c): c is string => c !== undefined);
}

/** The tokenizer; `wanted(table)` says which columns of a table to materialise (others are skipped, not built). */
export class SqlDumpTokenizer {
  private state = S.Top;
  private stmt = '';
  private stmtTruncated = false;
  private table = '';
  private keep: boolean[] | null = null;
  private row: (SqlValue | undefined)[] = [];
  private col = 0;
  private str = '';
  private bare = '';

  constructor(
    private readonly h: SqlDumpHandlers,
    private readonly wanted: (table: string) => boolean[] | null = () => null,
  ) {}

  /** Feeds the next piece of the dump's text. */
  push(text: string): void {
    const n = text.length;
    let i = 0;
    while (i < n) {
      switch (this.state) {
        case S.Top: {
          const c = text[i]!;
          if (c === '(' && this.isInsertHead()) {
            this.startInsert();
            this.state = S.Value;
            this.row = [];
            this.col = 0;
            i++;
            break;
          }
          if (c === ';') {
            this.endStatement();
          } else if (c === '\n' && this.stmt.trimStart().startsWith('--')) {
            this.resetStatement();
          } else {
            this.append(c);
            if (c === "'") this.state = S.TopString;
            else if (c === '-' && this.stmt.trimStart() === '--') this.state = S.TopComment;
          }
          i++;
          break;
        }
        case S.TopComment: {
          const nl = text.indexOf('\n', i);
          if (nl < 0) return;
          this.resetStatement();
          this.state = S.Top;
          i = nl + 1;
          break;
        }
        case S.TopString: {
          const c = text[i]!;
          this.append(c);
          if (c === '\\') this.state = S.TopEscape;
          else if (c === "'") this.state = S.Top;
          i++;
          break;
        }
        case S.TopEscape:
          this.append(text[i]!);
          this.state = S.TopString;
          i++;
          break;
        case S.Between: {
          const c = text[i]!;
          if (c === '(') {
            this.state = S.Value;
            this.row = [];
            this.col = 0;
          } else if (c === ';') {
            this.state = S.Top;
            this.resetStatement();
          }
          i++;
          break;
        }
        case S.Value: {
          const c = text[i]!;
          if (c === "'") {
            this.str = '';
            this.state = S.Str;
            i++;
          } else if (c === ' ' || c === '\n' || c === '\r' || c === '\t') {
            i++;
          } else if (c === ')' && this.col === 0 && this.row.length === 0) {
            this.finishRow();
            i++;
          } else {
            this.bare = '';
            this.state = S.Bare;
          }
          break;
        }
        case S.Str: {
          // Fast path: copy everything up to the next quote or backslash at once.
          const q = text.indexOf("'", i);
          const b = text.indexOf('\\', i);
          const stop = q < 0 ? b : b < 0 ? q : Math.min(q, b);
          const end = stop < 0 ? n : stop;
          if (this.keepsCol()) this.str += text.slice(i, end);
          if (stop < 0) return;
          this.state = text[stop] === '\\' ? S.StrEscape : S.StrQuote;
          i = stop + 1;
          break;
        }
        case S.StrEscape: {
          const c = text[i]!;
          // MySQL keeps the backslash of \% and \_ (they only matter in LIKE patterns).
          if (this.keepsCol()) this.str += ESCAPES[c] ?? (c === '%' || c === '_' ? `\\${c}` : c);
          this.state = S.Str;
          i++;
          break;
        }
        case S.StrQuote:
          // A doubled quote ('') is a quote inside the string; anything else ends the string.
          if (text[i] === "'") {
            if (this.keepsCol()) this.str += "'";
            this.state = S.Str;
            i++;
          } else {
            this.setValue(this.str);
            this.state = S.AfterValue;
          }
          break;
        case S.Bare: {
          let j = i;
          while (j < n && text[j] !== ',' && text[j] !== ')' && text[j] !== "'") j++;
          this.bare += text.slice(i, j);
          if (j === n) return;
          if (text[j] === "'") {
            // A charset introducer such as _binary 'bytes' (newer mysqldump): the string is the value.
            this.str = '';
            this.state = S.Str;
            i = j + 1;
            break;
          }
          const word = this.bare.trim();
          this.setValue(word.toUpperCase() === 'NULL' ? null : Number(word));
          this.state = S.AfterValue;
          i = j;
          break;
        }
        case S.AfterValue: {
          const c = text[i]!;
          if (c === ',') {
            this.col++;
            this.state = S.Value;
          } else if (c === ')') {
            this.finishRow();
          }
          i++;
          break;
        }
      }
    }
  }

  /** Says whether the dump ended cleanly (not inside a statement). */
  get atStatementBoundary(): boolean {
    return (this.state === S.Top || this.state === S.TopComment) && this.stmt.trim() === '';
  }

  private keepsCol(): boolean {
    return this.keep === null || this.keep[this.col] === true;
  }

  private setValue(v: SqlValue): void {
    if (this.keepsCol()) this.row[this.col] = v;
  }

  private finishRow(): void {
    this.row.length = Math.max(this.row.length, this.col + 1);
    this.h.onRow(this.table, this.row);
    this.state = S.Between;
  }

  private append(c: string): void {
    if (this.stmt.length < MAX_STATEMENT_CHARS) this.stmt += c;
    else this.stmtTruncated = true;
  }

  private isInsertHead(): boolean {
    return this.stmt.length < 512 && INSERT_HEAD.test(this.stmt);
  }

  private startInsert(): void {
    this.table = INSERT_HEAD.exec(this.stmt)![1]!;
    this.keep = this.wanted(this.table);
    this.resetStatement();
  }

  private endStatement(): void {
    const m = this.stmtTruncated ? null : CREATE_HEAD.exec(this.stmt);
    if (m) this.h.onCreateTable?.(m[1]!, columnsOfCreateTable(this.stmt));
    this.resetStatement();
  }

  private resetStatement(): void {
    this.stmt = '';
    this.stmtTruncated = false;
  }
}
