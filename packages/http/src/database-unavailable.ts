/**
 * Whether an error means "the database could not be reached or dropped the connection" (a
 * failover, a reboot, a terminated backend, a full server) rather than a bug or bad data. Callers
 * answer these with a retryable 503 and retry queue messages; nothing was committed half-way
 * because PostgreSQL rolls back a transaction whose connection died.
 *
 * Lives with the HTTP error mapping (and has no imports) so functions without a database, like the
 * webhook, do not bundle database code to answer errors.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && unavailable(code, 'query' in e)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

// postgres.js's own codes.
const clientCodes = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECTION_ENDED',
  'CONNECT_TIMEOUT',
]);

// Socket errors count only when postgres.js attached them to a query (it sets `query` on the error):
// the same codes from a WorkOS or SQS call are not the database's.
const socketCodes = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

const serverCodes = new Set([
  '57P01', // admin_shutdown (pg_terminate_backend, a stopping server)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, failing over)
  '53300', // too_many_connections
  '53400', // configuration_limit_exceeded
  '40001', // serialization_failure: retrying is the documented answer
  '40P01', // deadlock_detected: likewise
]);

function unavailable(code: string, fromQuery: boolean) {
  if (clientCodes.has(code) || serverCodes.has(code)) return true;
  if (fromQuery && socketCodes.has(code)) return true;
  // Class 08: connection exception (SQLSTATE codes are five characters).
  return code.length === 5 && code.startsWith('08');
}
