import { HttpError, httpError } from '@app/http';

/** What the SDK's exceptions carry (status on every HTTP error, WorkOS's `code` on most). */
type WorkOSFailure = { status?: unknown; code?: unknown; message?: unknown; retryAfter?: unknown };

const CONFLICT_CODES = new Set([
  'duplicate_invitation',
  'user_already_organization_member',
  'organization_membership_already_exists',
  'invitation_accepted',
  'invitation_revoked',
  'invitation_expired',
  'membership_not_active',
]);
const ROLE_CODES = new Set(['role_not_found', 'invalid_role']);

/**
 * The one mapping of a WorkOS refusal (an SDK exception) to this API's documented codes. Nothing of
 * WorkOS's raw message reaches the client but for the 4xx refusals, whose messages name the fault
 * in the request (never a secret). Anything without an HTTP status (network, timeout) is WorkOS
 * being unreachable: 503, safe to retry.
 */
export function workosRefusal(error: unknown, what: string): HttpError {
  if (error instanceof HttpError) return error;
  const failure = (typeof error === 'object' && error !== null ? error : {}) as WorkOSFailure;
  const status = typeof failure.status === 'number' ? failure.status : undefined;
  const code = typeof failure.code === 'string' ? failure.code : undefined;
  const retry = { headers: { 'retry-after': '5' }, cause: error };
  if (status === undefined || status >= 500 || status === 408) {
    return httpError('UPSTREAM_UNAVAILABLE', 'WorkOS could not be reached; try again', retry);
  }
  if (status === 429) {
    const seconds = typeof failure.retryAfter === 'number' ? Math.ceil(failure.retryAfter) : 5;
    return httpError('RATE_LIMITED', 'WorkOS is rate limiting; try again later', {
      headers: { 'retry-after': String(Math.max(1, seconds)) },
      cause: error,
    });
  }
  if (status === 404) return httpError('NOT_FOUND', `${what} not found`, { cause: error });
  if (code && ROLE_CODES.has(code)) {
    return httpError('UNKNOWN_ROLE', 'WorkOS does not define that role for this organization', {
      cause: error,
    });
  }
  if (status === 409 || (code && CONFLICT_CODES.has(code))) {
    return httpError('CONFLICT', conflictMessage(code, what), { cause: error });
  }
  if (status === 401 || status === 403) {
    // Our API key was refused: a configuration fault, not the caller's.
    return httpError('UPSTREAM_UNAVAILABLE', 'WorkOS refused this service; try again later', retry);
  }
  return httpError('WORKOS_REJECTED', `WorkOS refused the request${code ? ` (${code})` : ''}`, {
    cause: error,
  });
}

function conflictMessage(code: string | undefined, what: string): string {
  switch (code) {
    case 'duplicate_invitation':
      return 'A pending invitation for this address already exists';
    case 'user_already_organization_member':
    case 'organization_membership_already_exists':
      return 'This person is already a member of the organization';
    case 'invitation_accepted':
    case 'invitation_revoked':
    case 'invitation_expired':
      return `The invitation is ${code.slice('invitation_'.length)}`;
    default:
      return `${what} cannot be changed in its current state`;
  }
}
