/**
 * One User-Agent for every HTTP request Seedbank makes. Minimal stand-in: the helper owning
 * section 4 of issue 9 provides the full builder with this same signature.
 */
import { SEEDBANK_VERSION } from '../version.ts';

/** The project page people can read to find out what is calling them. */
const PROJECT_URL = 'https://seedbank.invalid/about';

/** "Seedbank/<version> (+<project page>; <contact>) <part>", as Wikimedia's User-Agent policy asks. */
export function userAgent(opts: { contact?: string; part: string }): string {
  return `Seedbank/${SEEDBANK_VERSION} (+${PROJECT_URL}${opts.contact ? `; ${opts.contact}` : ''}) ${opts.part}`;
}
