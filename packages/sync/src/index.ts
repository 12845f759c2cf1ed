export {
  type ApplyDeps,
  type ApplyResult,
  applyClaimed,
  applyEvent,
  claimEvents,
  type Outcome,
  recordStale,
} from './apply';
export { InvalidEventError, ParentUnavailableError, SyncError, type SyncErrorCode } from './errors';
export { type EventEnvelope, eventEnvelope, parseEnvelope } from './events';
export type { ParentSource } from './parents';
export {
  type BatchReport,
  makeSyncWorker,
  type RecordReport,
  type SyncWorker,
  type SyncWorkerDeps,
} from './worker';
