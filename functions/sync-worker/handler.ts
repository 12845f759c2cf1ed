import { makeSyncWorker } from '@app/sync';
import { loadSyncRuntime } from '@app/sync/sync-runtime';
import type { Context, SQSEvent } from 'aws-lambda';

// SQS (ReportBatchItemFailures) -> WorkOS events applied to PostgreSQL.
const { db, workos, logger, metrics, budget } = await loadSyncRuntime('sync-worker');
const worker = makeSyncWorker({ db, workos, logger, metrics });

export const handler = (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  budget.start(context);
  return worker.handler(event, context);
};
