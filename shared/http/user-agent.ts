import { PROJECT_URL, SEEDBANK_VERSION } from '../version.ts';

/** What a User-Agent names: the operator's contact (email or URL) and the part of Seedbank speaking. */
export interface UserAgentOptions {
  /** The operator's contact; Wikimedia's policy wants one on every request that reaches it. */
  contact?: string;
  /** Which part is speaking, e.g. `builder`, `seeder`, `restore`, `web-seed`. */
  part: string;
}

/**
 * The one User-Agent every Seedbank HTTP request carries, in the shape Wikimedia's
 * User-Agent policy asks for: `Seedbank/<version> (<contact>; +<project url>) <part>`.
 */
export function userAgent(opts: UserAgentOptions): string {
  const contact = opts.contact?.trim();
  const comment = contact ? `${contact}; +${PROJECT_URL}` : `+${PROJECT_URL}`;
  return `Seedbank/${SEEDBANK_VERSION} (${comment}) ${opts.part}`;
}

/** Wikimedia's own hosts, where the User-Agent policy requires an operator contact. */
const WIKIMEDIA_HOST = /(^|\.)(wikimedia|wikipedia|wikidata|wiktionary|wikisource|wikibooks|wikiquote|wikinews|wikiversity|wikivoyage|mediawiki)\.org$/;

/** True when a URL's host is run by Wikimedia (so requests to it must name a contact). */
export function isWikimediaUrl(url: string): boolean {
  return WIKIMEDIA_HOST.test(new URL(url).hostname);
}

/** The operator contact inside a User-Agent made by {@link userAgent}, or undefined when it names none. */
export function userAgentContact(agent: string): string | undefined {
  const m = /^Seedbank\/\S+ \(([^;()]+); \+[^)]*\)/.exec(agent);
  return m?.[1]?.trim() || undefined;
}
