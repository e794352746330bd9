import type { CommitmentStatus } from '../src/backends/connectStore.ts';
import { ErrorCode, FigwayError } from '../src/errors.ts';

/** The status changes the Connect domain allows; final statuses allow none. */
export const STATUS_TRANSITIONS: Readonly<Record<CommitmentStatus, readonly CommitmentStatus[]>> = {
  DRAFT: ['PROPOSED', 'CANCELLED'],
  PROPOSED: ['DRAFT', 'ACTIVE', 'CANCELLED'],
  ACTIVE: ['FULFILLED', 'BREACHED', 'CANCELLED'],
  FULFILLED: [],
  BREACHED: [],
  CANCELLED: [],
};

/** Throws INVALID_STATUS_TRANSITION, naming the allowed targets, unless `from -> to` is allowed. */
export function assertStatusTransition(from: CommitmentStatus, to: CommitmentStatus): void {
  const allowed = STATUS_TRANSITIONS[from];
  if (allowed.includes(to)) return;
  const options =
    allowed.length === 0 ? `${from} is final` : `from ${from} it can move to ${allowed.join(', ')}`;
  throw new FigwayError(
    ErrorCode.INVALID_STATUS_TRANSITION,
    `A commitment cannot move from ${from} to ${to}: ${options}.`,
    { from, to, allowed },
  );
}

/** Returns `value` trimmed, or throws BAD_USER_INPUT naming `field` when its length is out of range. */
export function checkedText(field: string, value: string, min: number, max: number): string {
  const trimmed = value.trim();
  if (trimmed.length < min || trimmed.length > max) {
    const range = min === 0 ? `at most ${max}` : `${min} to ${max}`;
    throw new FigwayError(ErrorCode.BAD_USER_INPUT, `${field} must be ${range} characters long.`, { field });
  }
  return trimmed;
}

/** Returns `value` when it is an absolute http(s) URL; throws BAD_USER_INPUT otherwise. */
export function checkedUrl(field: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new FigwayError(ErrorCode.BAD_USER_INPUT, `${field} must be an absolute URL.`, { field });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new FigwayError(ErrorCode.BAD_USER_INPUT, `${field} must be an http or https URL.`, { field });
  }
  return url.toString();
}
