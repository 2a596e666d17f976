/**
 * Durations in config files: the form and parser live in src/domain/duration.ts (check specs
 * use them too); this adds the zod shape of a duration field.
 */
import { z } from 'zod';
import { DURATION_FORM } from '../domain/duration.js';

export { DURATION_FORM, parseDurationMs } from '../domain/duration.js';

/** The shape of a duration field (range and units are checked by parseDurationMs): a wrong type says what was expected. */
export const durationInputSchema = z.union([z.number(), z.string()], { error: (issue) => `expected ${DURATION_FORM}, got ${JSON.stringify(issue.input) ?? 'nothing'}` });
