import { randomUUID } from 'node:crypto';
import { SporeprintError } from '../../../core/index.js';
import type { SilenceRecord } from '../../../storage/index.js';
import type { SilenceInput } from './alert-service-types.js';
import { parseDuration } from './duration.js';
import { checkMatchers, parseMatcher } from './silence-matchers.js';

/** Most matchers in one silence. */
export const MAX_MATCHERS = 32;
const MAX_COMMENT = 1000;

const bad = (message: string) => new SporeprintError('SP_ERR_BAD_PARAM', message);

const validDate = (d: Date | undefined, what: string): void => {
  if (d !== undefined && !(d instanceof Date && Number.isFinite(d.getTime())))
    throw bad(`${what} is not a valid time`);
};

/**
 * The silence a request describes, checked as Alertmanager checks one (`SP_ERR_BAD_PARAM` naming the
 * problem): 1-32 valid matchers not all matching the empty string; a creator and a comment; an end
 * (`endsAt`, or `startsAt` + a positive `duration`, not both) after its start and in the future.
 */
export function silenceFromInput(input: SilenceInput, now: Date): SilenceRecord {
  if (!Array.isArray(input.matchers) || input.matchers.length > MAX_MATCHERS)
    throw bad(`A silence takes 1 to ${MAX_MATCHERS} matchers`);
  const matchers = input.matchers.map(parseMatcher);
  checkMatchers(matchers);
  if (typeof input.createdBy !== 'string' || input.createdBy.trim() === '' || input.createdBy.length > 255)
    throw bad(
      'A silence needs its creator (createdBy / --actor): a non-empty name of at most 255 characters',
    );
  if (typeof input.comment !== 'string' || input.comment.trim() === '' || input.comment.length > MAX_COMMENT)
    throw bad(`A silence needs a comment saying why (1 to ${MAX_COMMENT} characters)`);
  validDate(input.startsAt, 'startsAt');
  validDate(input.endsAt, 'endsAt');
  const startsAt = input.startsAt ?? now;
  let endsAt: Date;
  if (input.duration !== undefined) {
    if (input.endsAt !== undefined) throw bad('Give a silence a duration or an end time, not both');
    const ms = parseDuration(input.duration, 'duration');
    if (ms <= 0) throw bad(`duration must be positive, got "${input.duration}"`);
    endsAt = new Date(startsAt.getTime() + ms);
  } else if (input.endsAt !== undefined) {
    endsAt = input.endsAt;
  } else {
    throw bad('A silence needs a duration (e.g. 2h) or an end time');
  }
  if (endsAt.getTime() <= startsAt.getTime())
    throw bad(`A silence must end after it starts (${startsAt.toISOString()} → ${endsAt.toISOString()})`);
  if (endsAt.getTime() <= now.getTime())
    throw bad(`A silence cannot end in the past (${endsAt.toISOString()})`);
  return {
    id: randomUUID(),
    matchers,
    startsAt,
    endsAt,
    createdBy: input.createdBy.trim(),
    comment: input.comment.trim(),
    createdAt: now,
    updatedAt: now,
  };
}
