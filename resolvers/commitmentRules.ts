import type {
  CommitmentRecord,
  CommitmentStatus,
  PartyRecord,
  PartyRole,
} from '../src/backends/connectStore.ts';
import type { Viewer } from '../src/backends/viewer.ts';
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

/** What a party may do to a commitment beyond seeing it, as the refusal names it. */
export type PartyAction = 'change its status' | 'add a party' | 'attach a document';

/**
 * The roles that may change a commitment (its status, its parties, its documents): a
 * WITNESS sees the commitment and its documents without being bound by it, so it may
 * change nothing. The same rule holds whichever side the write goes to.
 */
export const ACTING_ROLES: readonly PartyRole[] = ['CREATOR', 'PARTICIPANT'];

// The viewer's role in the commitment; its creator is its CREATOR even without a party row.
function roleOf(viewerId: string, commitment: CommitmentRecord, parties: readonly PartyRecord[]) {
  if (commitment.createdBy === viewerId) return 'CREATOR';
  return parties.find((party) => party.profileId === viewerId)?.role ?? null;
}

/**
 * Throws FORBIDDEN, naming the viewer's role, unless the viewer may do `action` to
 * `commitment` (whose parties are `parties`): its CREATOR and PARTICIPANTs may,
 * `service_role` may (it bypasses row-level security on legacy too), nobody else.
 */
export function assertPartyMay(
  viewer: Viewer,
  commitment: CommitmentRecord,
  parties: readonly PartyRecord[],
  action: PartyAction,
): void {
  if (viewer.kind === 'service') return;
  const role = viewer.kind === 'user' ? roleOf(viewer.id, commitment, parties) : null;
  if (role !== null && ACTING_ROLES.includes(role)) return;
  const message =
    role === 'WITNESS'
      ? `A WITNESS is not bound by this commitment and cannot ${action}; its CREATOR and PARTICIPANTs can.`
      : `Only a CREATOR or PARTICIPANT of this commitment can ${action}.`;
  throw new FigwayError(ErrorCode.FORBIDDEN, message, { role, action });
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
