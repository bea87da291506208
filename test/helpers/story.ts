/**
 * Steps of a story test: tests that use what an earlier test left behind (a seeder it started,
 * a version it published) say so by the earlier steps' ids. A step whose needs did not pass
 * fails at once, naming them, instead of failing later on missing state; run alone (`-t`), it
 * says what it needs rather than passing or failing by accident.
 */
import { it } from 'vitest';

/** Declares one step: `it(title)` that first checks `needs` passed, and records `id` once it passes. */
export type Step = (id: string, title: string, needs: readonly string[], fn: () => Promise<void>, timeoutMs?: number) => void;

/** A new story: its steps share one record of which passed. */
export function story(): Step {
  const passed = new Set<string>();
  return (id, title, needs, fn, timeoutMs) => {
    it(title, async () => {
      const missing = needs.filter((n) => !passed.has(n));
      if (missing.length > 0) throw new Error(`this step uses what step(s) ${missing.map((m) => `"${m}"`).join(', ')} left behind, and they did not pass (or did not run)`);
      await fn();
      passed.add(id);
    }, timeoutMs);
  };
}
