export { type ApplyDeps, type ApplyResult, applyEvent, type Outcome } from './apply';
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
