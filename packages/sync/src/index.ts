export {
  type ApplyDeps,
  type ApplyResult,
  applyBatch,
  applyEvent,
  type Outcome,
  prefetchBatchParents,
} from './batch';
export { InvalidEventError, ParentUnavailableError, SyncError, type SyncErrorCode } from './errors';
export { type EventEnvelope, eventEnvelope, parseEnvelope } from './events';
export type { ParentSource } from './parents';
export { EVENT_TYPES, SYNCED_EVENT_TYPES } from './registry';
export {
  type BatchReport,
  makeSyncWorker,
  type RecordReport,
  type SyncWorker,
  type SyncWorkerDeps,
} from './worker';
