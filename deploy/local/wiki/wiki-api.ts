// Minimal MediaWiki Action API client over plain fetch, for the test harness's own checks.

export type ApiParams = Record<string, string | number | boolean | undefined>;
/**
 * A MediaWiki API reply as loose JSON. `any` on purpose, as mwn's own ApiResponse has it: each
 * check in the harness and the tests reads the few fields its query asks for, and the API's
 * shapes (per list, prop and format version) are not worth a type each in test-only code.
 */
export type ApiResponse = Record<string, any>;

const REQUEST_TIMEOUT_MS = 30_000;

/** The GET URL of an API request (JSON, format version 2; `false` and undefined parameters left out). */
export function apiUrlFor(apiUrl: string, params: ApiParams): string {
  const url = new URL(apiUrl);
  url.searchParams.set('format', 'json');
  url.searchParams.set('formatversion', '2');
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === false) continue;
    url.searchParams.set(key, value === true ? '1' : String(value));
  }
  return url.toString();
}

/** One GET request; throws on HTTP errors and on API errors. */
export async function apiGet(apiUrl: string, params: ApiParams): Promise<ApiResponse> {
  const url = apiUrlFor(apiUrl, params);
  const res = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const text = await res.text();
  if (!res.ok) throw new Error(`GET ${url} answered HTTP ${res.status}: ${text.slice(0, 500)}`);
  const body = JSON.parse(text) as ApiResponse;
  if (body.error) throw new Error(`GET ${url} answered API error ${JSON.stringify(body.error)}`);
  return body;
}

/**
 * A query followed through all its continuations. Returns every response page (so callers
 * can count requests) and calls `each` on each one.
 */
export async function apiQueryAll(
  apiUrl: string,
  params: ApiParams,
  opts: { maxRequests?: number } = {},
): Promise<ApiResponse[]> {
  const maxRequests = opts.maxRequests ?? 1000;
  const pages: ApiResponse[] = [];
  let cont: Record<string, string> = {};
  for (;;) {
    if (pages.length >= maxRequests) {
      throw new Error(`query ${JSON.stringify(params)} still continuing after ${maxRequests} requests`);
    }
    const body = await apiGet(apiUrl, { action: 'query', ...params, ...cont });
    pages.push(body);
    if (!body.continue) return pages;
    cont = body.continue as Record<string, string>;
  }
}

/** Titles of all members of a category (files and subcategories), following continuation. */
export async function categoryMembers(apiUrl: string, categoryTitle: string): Promise<string[]> {
  const pages = await apiQueryAll(apiUrl, { list: 'categorymembers', cmtitle: categoryTitle, cmlimit: 'max' });
  return pages.flatMap((p) => (p.query?.categorymembers ?? []) as Array<{ title: string }>).map((m) => m.title);
}

export interface ImageInfo {
  title: string;
  missing: boolean;
  sha1?: string;
  size?: number;
  url?: string;
  mime?: string;
  /** Page wikitext (when asked for). */
  text?: string;
}

/** imageinfo (sha1, size, url, mime) and optionally page text for up to any number of titles. */
export async function imageInfos(
  apiUrl: string,
  titles: string[],
  opts: { text?: boolean } = {},
): Promise<Map<string, ImageInfo>> {
  const result = new Map<string, ImageInfo>();
  for (let i = 0; i < titles.length; i += 50) {
    const batch = titles.slice(i, i + 50);
    const pages = await apiQueryAll(apiUrl, {
      titles: batch.join('|'),
      prop: opts.text ? 'imageinfo|revisions' : 'imageinfo',
      iiprop: 'sha1|size|url|mime',
      rvprop: opts.text ? 'content' : undefined,
      rvslots: opts.text ? 'main' : undefined,
    });
    const normalized = new Map<string, string>();
    for (const body of pages) {
      for (const n of (body.query?.normalized ?? []) as Array<{ from: string; to: string }>) normalized.set(n.to, n.from);
      for (const page of (body.query?.pages ?? []) as ApiResponse[]) {
        const info = page.imageinfo?.[0] as ApiResponse | undefined;
        const entry: ImageInfo = result.get(page.title) ?? { title: page.title, missing: true };
        if (info) {
          Object.assign(entry, { missing: false, sha1: info.sha1, size: info.size, url: info.url, mime: info.mime });
        }
        const content = page.revisions?.[0]?.slots?.main?.content as string | undefined;
        if (content !== undefined) entry.text = content;
        result.set(page.title, entry);
      }
    }
  }
  return result;
}
