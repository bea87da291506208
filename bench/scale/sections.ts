/**
 * The sections of `npm run bench:scale`, in the order they run. A new section is one entry
 * here (see context.ts for what a section gets and returns).
 */
import type { ScaleSection } from './context.ts';
import { syntheticSection } from './synthetic-build.ts';
import { apiSection, dumpsSection } from './wiki-builds.ts';
import { bigFileScaleSection, followSection } from './follow-sections.ts';

export const SECTIONS: ScaleSection[] = [dumpsSection, apiSection, syntheticSection, followSection, bigFileScaleSection];
