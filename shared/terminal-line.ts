/** Something drawn on the last line of the terminal (a progress bar) that other output must not glue onto. */
export interface LiveLine {
  /** Erases the line so the cursor is at its start. */
  clear(): void;
  /** Draws the line again. */
  redraw(): void;
}

/**
 * The one live line of this process: log writes go through {@link TerminalLine.around} so
 * that a log line lands above the bar instead of after its text ("ETA 5s{"level":30...").
 */
export class TerminalLine {
  private live: LiveLine | undefined;

  /** Makes `line` the live line until {@link release} is called with it. */
  hold(line: LiveLine): void {
    this.live = line;
  }

  /** Gives the terminal back (the bar stopped). */
  release(line: LiveLine): void {
    if (this.live === line) this.live = undefined;
  }

  /** Runs a write with the live line cleared before and drawn again after. */
  around(write: () => void): void {
    const live = this.live;
    if (!live) return write();
    live.clear();
    try {
      write();
    } finally {
      live.redraw();
    }
  }
}

/** The process's terminal line (one terminal, one bar at a time). */
export const terminalLine = new TerminalLine();
