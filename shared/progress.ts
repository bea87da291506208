import cliProgress from 'cli-progress';
import type { Logger } from './log.ts';
import { terminalLine, type LiveLine } from './terminal-line.ts';
import { formatSize } from './units.ts';

/** Erases the current terminal line: carriage return, then ANSI "erase whole line". */
const ERASE_LINE = '\r\x1b[2K';

/** How often a log line reports progress when no terminal shows a bar. */
export const PROGRESS_LOG_INTERVAL_MS = 10_000;

/** Progress of one long task in items and bytes. */
export interface Progress {
  /** Adds done items and bytes. */
  tick(items: number, bytes: number): void;
  /** Sets the totals (they may grow as listing goes on). */
  setTotal(items: number, bytes: number): void;
  stop(): void;
}

/**
 * A progress display: a bar with items, bytes, rate and ETA on a terminal, a structured
 * log line every ten seconds otherwise (daemons, CI, cron).
 */
export function createProgress(
  label: string,
  logger: Logger,
  options: {
    tty?: boolean;
    stream?: NodeJS.WriteStream;
    intervalMs?: number;
    now?: () => number;
    /** What the items are ("files", "categories"): the label must say what it counts. Default files. */
    unit?: string;
    /** Show bytes, rate and ETA (false when only items are counted, as in listing). Default true. */
    bytes?: boolean;
  } = {},
): Progress {
  const unit = options.unit ?? 'files';
  const withBytes = options.bytes ?? true;
  const stream = options.stream ?? process.stderr;
  const tty = options.tty ?? Boolean(stream.isTTY);
  const now = options.now ?? Date.now;
  const started = now();
  let items = 0;
  let bytes = 0;
  let totalItems = 0;
  let totalBytes = 0;
  const rate = () => bytes / Math.max((now() - started) / 1000, 1e-3);
  const eta = () => (rate() > 0 && totalBytes > bytes ? Math.round((totalBytes - bytes) / rate()) : 0);

  if (tty) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: withBytes
          ? `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {done} of {all} | {rate}/s | ETA {eta_formatted}`
          : `${label} [{bar}] {value}/{total} ${unit}`,
        hideCursor: true,
        // A redraw after a log line must draw the whole bar even if its text did not change.
        forceRedraw: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    // cli-progress saves the cursor at start and restores it at stop, which jumps back over any
    // log lines written above the bar meanwhile, so the next output overwrites them. The bar is
    // always on the last line (log writes clear and redraw it), so stop needs no restore.
    const terminal = (bar as unknown as { terminal: { cursorSave(): void; cursorRestore(): void } }).terminal;
    terminal.cursorSave = () => undefined;
    terminal.cursorRestore = () => undefined;
    bar.start(0, 0, { done: '0 B', all: '0 B', rate: '0 B' });
    const live: LiveLine = { clear: () => void stream.write(ERASE_LINE), redraw: () => bar.render() };
    terminalLine.hold(live);
    const payload = () => ({ done: formatSize(bytes), all: formatSize(totalBytes), rate: formatSize(Math.round(rate())) });
    return {
      tick(i, b) {
        items += i;
        bytes += b;
        bar.update(items, payload());
      },
      setTotal(i, b) {
        totalItems = i;
        totalBytes = b;
        bar.setTotal(Math.max(i, 1));
        bar.update(items, payload());
      },
      stop() {
        terminalLine.release(live);
        bar.stop();
      },
    };
  }

  const report = () =>
    logger.info(
      { task: label, items, totalItems, bytes, totalBytes, bytesPerSecond: Math.round(rate()), etaSeconds: eta() },
      withBytes
        ? `${label}: ${items}/${totalItems} ${unit}, ${formatSize(bytes)} of ${formatSize(totalBytes)}`
        : `${label}: ${items}/${totalItems} ${unit}`,
    );
  const timer = setInterval(report, options.intervalMs ?? PROGRESS_LOG_INTERVAL_MS);
  timer.unref();
  return {
    tick(i, b) {
      items += i;
      bytes += b;
    },
    setTotal(i, b) {
      totalItems = i;
      totalBytes = b;
    },
    stop() {
      clearInterval(timer);
      if (totalItems > 0) report();
    },
  };
}
