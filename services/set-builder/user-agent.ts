import { SeedbankError } from '../../shared/errors.ts';
import { isWikimediaUrl, userAgent } from '../../shared/http/user-agent.ts';

/**
 * The builder's User-Agent (shared builder, part `builder`). Contact is mandatory for
 * Wikimedia hosts; other wikis (the local test wiki) accept one without.
 */
export function buildUserAgent(contact: string | undefined, apiUrl: string): string {
  if (!contact && isWikimediaUrl(apiUrl)) {
    throw new SeedbankError('CONFIG_CONTACT', `building from ${new URL(apiUrl).hostname} needs a contact address for the User-Agent`, {
      hint: 'pass --contact you@example.org (or set SEEDBANK_CONTACT); Wikimedia blocks anonymous bots',
    });
  }
  return userAgent({ contact, part: 'builder' });
}
