/**
 * Seedbank's version, in one place (the User-Agent, `--version` and seeder reports use it).
 * Minimal stand-in: the helper owning section 4 of issue 9 replaces it with one read from package.json.
 */
export const SEEDBANK_VERSION = '0.1.0';
