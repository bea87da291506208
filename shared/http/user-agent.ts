import { SeedbankError } from '../errors.ts';
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

const EMAIL_PATTERN = /[^\s@<>()]+@[^\s@<>()]+\.[^\s@<>()]+/;
const URL_PATTERN = /https?:\/\/[^\s)]+/;

/** Rejects User-Agents that Wikimedia would block: empty or without contact info. */
export function validateUserAgent(agent: string): void {
  const hint =
    'Set a descriptive User-Agent with contact info, e.g. "Seedbank/0.1 (https://example.org/seedbank; you@example.org)"; ' +
    'see https://meta.wikimedia.org/wiki/User-Agent_policy';
  if (!agent || agent.trim() === '') {
    throw new SeedbankError('CONFIG_USER_AGENT', 'The HTTP User-Agent is empty.', { hint });
  }
  if (!EMAIL_PATTERN.test(agent) && !URL_PATTERN.test(agent)) {
    throw new SeedbankError('CONFIG_USER_AGENT', `The HTTP User-Agent "${agent}" has no contact info (email or URL).`, {
      hint,
      context: { userAgent: agent },
    });
  }
}
