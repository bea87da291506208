import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readEnv } from '../../bin/config.ts';
import { createLogger, resolveLogFormat, type LogSink } from '../../shared/log.ts';
import { createProgress } from '../../shared/progress.ts';
import { SeedbankError } from '../../shared/errors.ts';
import { terminalLine } from '../../shared/terminal-line.ts';

function capture(isTTY: boolean): LogSink & { text: () => string } {
  const chunks: string[] = [];
  return { isTTY, write: (t) => void chunks.push(t), text: () => chunks.join('') };
}

describe('log format', () => {
  it('is human on a terminal and JSON otherwise, unless forced', () => {
    expect(resolveLogFormat('auto', true)).toBe('pretty');
    expect(resolveLogFormat('auto', false)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat('pretty', false)).toBe('pretty');
  });

  it('writes one JSON object a line when the sink is not a terminal', () => {
    const sink = capture(false);
    createLogger({ sink }).info({ set: 'paris' }, 'published');
    const line = JSON.parse(sink.text().trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 30, msg: 'published', set: 'paris' });
  });

  it('writes one short human line on a terminal, with the fields on the same line', () => {
    const sink = capture(true);
    createLogger({ sink }).warn({ source: 'mwn' }, 'Retrying in 5 seconds');
    const text = sink.text().replace(/\x1b\[[0-9;]*m/g, '');
    expect(text).not.toContain('{"level"');
    expect(text).toMatch(/WARN.*Retrying in 5 seconds.*mwn/);
    expect(text.trim().split('\n')).toHaveLength(1);
  });

  it('shows an error as its message and hint on one terminal line; its stack only at debug, and in full in JSON', () => {
    const err = new SeedbankError('CATALOGUE_UNREACHABLE', 'cannot reach the catalogue at http://127.0.0.1:9', { hint: 'is it running?', cause: new Error('bad port') });
    const tty = capture(true);
    createLogger({ sink: tty }).warn({ err, failures: 1 }, 'the catalogue does not answer');
    const line = tty.text().trim();
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toMatch(/"error":"cannot reach the catalogue at http:\/\/127.0.0.1:9: bad port \(is it running\?\)"/);
    expect(line).not.toMatch(/\bat .*\.ts:\d+/);
    const debug = capture(true);
    createLogger({ sink: debug, level: 'debug' }).warn({ err }, 'the catalogue does not answer');
    expect(debug.text()).toMatch(/at .*log-format\.test\.ts/);
    const json = capture(false);
    createLogger({ sink: json }).warn({ err }, 'the catalogue does not answer');
    expect((JSON.parse(json.text()) as { err: { stack: string } }).err.stack).toMatch(/log-format\.test\.ts/);
  });

  it('SEEDBANK_LOG_FORMAT=json forces JSON on a terminal', () => {
    const env = readEnv({ SEEDBANK_LOG_FORMAT: 'json' });
    const sink = capture(true);
    createLogger({ sink, format: env.logFormat }).info('hello');
    expect(JSON.parse(sink.text().trim())).toMatchObject({ msg: 'hello' });
  });

  it('defaults SEEDBANK_LOG_FORMAT to auto and refuses an unknown value with the choices', () => {
    expect(readEnv({}).logFormat).toBe('auto');
    expect(readEnv({ SEEDBANK_LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(() => readEnv({ SEEDBANK_LOG_FORMAT: 'yaml' })).toThrow(/SEEDBANK_LOG_FORMAT is "yaml"/);
    try {
      readEnv({ SEEDBANK_LOG_FORMAT: 'yaml' });
    } catch (err) {
      expect(err).toMatchObject({ code: 'CONFIG_INVALID', hint: expect.stringContaining('json') });
    }
  });
});

describe('log lines and a progress bar on one terminal', () => {
  it('clears the bar before a log line and draws it again below, never gluing the two', () => {
    const terminal = new PassThrough() as PassThrough & { isTTY: boolean; columns: number; cursorTo: () => boolean; clearLine: () => boolean; moveCursor: () => boolean };
    terminal.isTTY = true;
    terminal.columns = 120;
    let written = '';
    let all = '';
    terminal.on('data', (c: Buffer) => {
      written += c.toString();
      all += c.toString();
    });
    const logger = createLogger({ sink: { isTTY: true, write: (t) => void terminal.write(t) } });
    const bar = createProgress('listing', logger, { stream: terminal as unknown as NodeJS.WriteStream, tty: true, unit: 'categories', bytes: false });
    bar.setTotal(7, 0);
    bar.tick(2, 0);
    written = '';
    logger.info('a line in the middle');
    bar.stop();
    const plain = written.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    const at = plain.indexOf('a line in the middle');
    expect(at, 'the log line was not written').toBeGreaterThanOrEqual(0);
    // What precedes the log line on its own terminal row must be nothing (the bar was erased).
    const rowStart = Math.max(plain.lastIndexOf('\n', at), plain.lastIndexOf('\r', at)) + 1;
    expect(plain.slice(rowStart, at)).not.toContain('listing');
    expect(written.indexOf('\r\x1b[2K')).toBeLessThan(written.indexOf('a line in the middle'));
    // The bar comes back after the line and says what it counts.
    expect(plain.slice(at)).toMatch(/listing \[.*\] 2\/7 categories/);
    // No cursor save/restore: a restore at stop would jump back above the log line and overwrite it.
    expect(all).not.toContain('\x1b8');
    expect(all).not.toContain('\x1b7');
  });

  it('releases the terminal when the bar stops', () => {
    const order: string[] = [];
    const live = { clear: () => void order.push('clear'), redraw: () => void order.push('redraw') };
    terminalLine.hold(live);
    terminalLine.around(() => void order.push('write'));
    terminalLine.release(live);
    terminalLine.around(() => void order.push('write'));
    expect(order).toEqual(['clear', 'write', 'redraw', 'write']);
  });
});
