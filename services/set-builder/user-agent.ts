import { SeedbankError } from '../../shared/errors.ts';

/** The project page people can read to find out what is fetching their files. */
export const PROJECT_URL = 'https://seedbank.invalid/about';
/** Our version as sent in the User-Agent. */
export const SEEDBANK_VERSION = '0.1.0';

/**
 * The User-Agent required by Wikimedia's policy: tool name/version, contact, library.
 * Contact is mandatory for Wikimedia hosts; for other wikis a placeholder is allowed.
 */
export function buildUserAgent(contact: string | undefined, apiUrl: string): string {
  const host = new URL(apiUrl).hostname;
  const wikimedia = /(^|\.)(wikimedia|wikipedia|wikidata|wiktionary|wikisource|wikibooks|wikiquote|wikinews|wikiversity|wikivoyage|mediawiki)\.org$/.test(host);
  if (!contact && wikimedia) {
    throw new SeedbankError('CONFIG_CONTACT', `building from ${host} needs a contact address for the User-Agent`, {
      hint: 'pass --contact you@example.org (or set SEEDBANK_CONTACT); Wikimedia blocks anonymous bots',
    });
  }
  return `Seedbank/${SEEDBANK_VERSION} (${PROJECT_URL}; ${contact ?? 'local test run'}) mwn`;
}
