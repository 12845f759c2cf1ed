/** Machine-readable reasons a queued event cannot be applied (yet). */
export type SyncErrorCode = 'INVALID_EVENT' | 'PARENT_UNAVAILABLE';

export class SyncError extends Error {
  constructor(
    readonly code: SyncErrorCode,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'SyncError';
  }
}

/** The message is not JSON, or not a WorkOS event whose data this worker can apply: retrying cannot help. */
export class InvalidEventError extends SyncError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('INVALID_EVENT', message, options);
    this.name = 'InvalidEventError';
  }
}

/**
 * A membership arrived before its user or organization and WorkOS could not be asked for the parent
 * (network, 5xx, rate limit): the message fails and SQS delivers it again later.
 */
export class ParentUnavailableError extends SyncError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('PARENT_UNAVAILABLE', message, options);
    this.name = 'ParentUnavailableError';
  }
}
