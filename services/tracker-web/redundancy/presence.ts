/**
 * Presence: a copy counts only while its host is around. The census forgets a verdict
 * DEFAULT_COPY_MAX_AGE_MS (6 h) after the audit, so a host that went silent kept its copies
 * counted for up to 6 h and nobody healed them meanwhile (the churn simulator measured heal
 * times of 7–8 h from departure). A host is present while the tracker saw it announce, or the
 * census reached it, within the presence window: two announce intervals, the tracker's own
 * peer lifetime. An online seeder announces every interval and is audited every census round,
 * so an honest host never drops out; a silent one stops counting within the hour.
 */
import { DEFAULT_ANNOUNCE_INTERVAL_MS } from '../tracker/catalogue-tracker.ts';

/** How long after it was last seen (announce or census contact) a host's copies still count. */
export const DEFAULT_PRESENCE_WINDOW_MS = 2 * DEFAULT_ANNOUNCE_INTERVAL_MS;
