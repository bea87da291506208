// Real headless Chromium for page tests (playwright-core driving Debian's /usr/bin/chromium).
// One browser and one fresh context per test file; every request is routed so a page that
// reaches for any host but 127.0.0.1 fails the test; console errors, page errors and dialogs
// are recorded per page; the browser is closed in afterAll whatever happened before.
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';

export const CHROMIUM_PATH = '/usr/bin/chromium';
/** Flags for a quiet, offline, CI-friendly Chromium: no sandbox (containers), no background traffic. */
export const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
/** Starting Chromium takes ~1 s alone; on 2 busy cores it can take much longer. */
const LAUNCH_TIMEOUT_MS = 60_000;
/** Any single click, wait or navigation of a local page that takes longer than this is a bug. */
const ACTION_TIMEOUT_MS = 15_000;
/** Closing should be instant; past this we report it and let the worker's exit reap Chromium. */
const CLOSE_TIMEOUT_MS = 15_000;
/** The only host a page may talk to. */
const ALLOWED_HOST = '127.0.0.1';
/** Where screenshots land, stable across runs so people can look at them. */
export const SCREENSHOT_DIR = path.join(os.tmpdir(), 'seedbank-screenshots');

/** What went wrong on one page, for assertions. */
export interface PageProblems {
  consoleErrors: string[];
  pageErrors: string[];
  dialogs: string[];
}

/** The browser of one test file; valid from beforeAll on. */
export interface BrowserSession {
  /** The file's default context (JavaScript enabled). */
  readonly context: BrowserContext;
  /** URLs the guard aborted because their host was not 127.0.0.1. */
  readonly blockedRequests: string[];
  /** Returns the blocked requests not yet reported and marks them reported, for tests of the guard itself. */
  takeBlockedRequests(): string[];
  /** A guarded extra context (e.g. `{ javaScriptEnabled: false }`), closed in afterAll. */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  /** A new page in `context` (default: the file's context) with its problems recorded. */
  newPage(context?: BrowserContext): Promise<{ page: Page; problems: PageProblems }>;
  /** Writes a full-page PNG under os.tmpdir() and returns its path. */
  screenshot(page: Page, name: string): Promise<string>;
}

/** Rejects with a message naming `what` when `promise` takes longer than `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function isAllowed(url: string): boolean {
  try {
    const { protocol, hostname } = new URL(url);
    // data: and blob: never leave the page; everything else must be loopback.
    return protocol === 'data:' || protocol === 'blob:' || hostname === ALLOWED_HOST;
  } catch {
    return false;
  }
}

async function guard(context: BrowserContext, blocked: string[]): Promise<void> {
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(ACTION_TIMEOUT_MS);
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (isAllowed(url)) return route.continue();
    blocked.push(url);
    return route.abort('blockedbyclient');
  });
  await context.routeWebSocket(/.*/, (ws) => {
    if (isAllowed(ws.url())) ws.connectToServer();
    else {
      blocked.push(ws.url());
      void ws.close();
    }
  });
}

/** Registers this file's browser hooks and returns the session the tests use. */
export function useBrowser(options: { contextOptions?: BrowserContextOptions } = {}): BrowserSession {
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const blockedRequests: string[] = [];
  let reportedBlocked = 0;

  const newContext = async (contextOptions: BrowserContextOptions = {}): Promise<BrowserContext> => {
    if (!browser) throw new Error('the browser is not running: useBrowser() hooks have not run');
    const context = await browser.newContext({ ...options.contextOptions, ...contextOptions });
    contexts.push(context);
    await guard(context, blockedRequests);
    return context;
  };

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: LAUNCH_TIMEOUT_MS });
    await newContext();
  }, LAUNCH_TIMEOUT_MS + ACTION_TIMEOUT_MS);

  const takeBlockedRequests = (): string[] => {
    const fresh = blockedRequests.slice(reportedBlocked);
    reportedBlocked = blockedRequests.length;
    return fresh;
  };

  afterEach(() => {
    // Each blocked request fails the test during which it happened.
    expect(takeBlockedRequests(), 'the page requested a non-loopback host').toEqual([]);
  });

  afterAll(async () => {
    const failures: string[] = [];
    for (const context of contexts) {
      await withTimeout(context.close(), CLOSE_TIMEOUT_MS, 'closing a browser context').catch((e: Error) => failures.push(e.message));
    }
    if (browser) await withTimeout(browser.close(), CLOSE_TIMEOUT_MS, 'closing Chromium').catch((e: Error) => failures.push(e.message));
    if (failures.length > 0) throw new Error(failures.join('; '));
  }, 2 * CLOSE_TIMEOUT_MS + ACTION_TIMEOUT_MS);

  return {
    get context(): BrowserContext {
      const context = contexts[0];
      if (!context) throw new Error('the browser context is not ready: useBrowser() hooks have not run');
      return context;
    },
    blockedRequests,
    takeBlockedRequests,
    newContext,
    async newPage(context?: BrowserContext) {
      const page = await (context ?? this.context).newPage();
      const problems: PageProblems = { consoleErrors: [], pageErrors: [], dialogs: [] };
      page.on('console', (msg) => {
        if (msg.type() === 'error') problems.consoleErrors.push(msg.text());
      });
      page.on('pageerror', (error) => problems.pageErrors.push(error.message));
      page.on('dialog', (dialog) => {
        problems.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
        void dialog.dismiss().catch(() => undefined);
      });
      return { page, problems };
    },
    async screenshot(page: Page, name: string): Promise<string> {
      await mkdir(SCREENSHOT_DIR, { recursive: true });
      const file = path.join(SCREENSHOT_DIR, `${name.replace(/[^a-z0-9-]+/gi, '-')}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
  };
}
