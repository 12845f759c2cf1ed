import { loadConfig, schemas } from '@app/config';
import { createSqs } from '@app/config/sqs';
import { makeNotificationQueue } from '@app/notifications/queue';
import { loadSessionRuntime } from '@app/session/runtime';
import { makeOrganizationsHandler } from './app';

// Built once per cold start; a warm container reuses the database connection and the cached JWKS.
const runtime = await loadSessionRuntime('organizations');
// Role changes, removals and invitations notify (outbox); their emails are enqueued after COMMIT.
const notifications = loadConfig({
  NOTIFICATIONS_QUEUE_URL: schemas.NOTIFICATIONS_QUEUE_URL,
  SQS_ENDPOINT: schemas.SQS_ENDPOINT,
});
const enqueueNotifications = notifications.NOTIFICATIONS_QUEUE_URL
  ? makeNotificationQueue({
      sqs: createSqs(notifications),
      queueUrl: notifications.NOTIFICATIONS_QUEUE_URL,
      timeoutMs: () => 3_000,
    })
  : undefined;

// The WorkOS SDK only for management requests: imported on the first one, so the read routes
// keep the SDK-free cold start.
let workos: ReturnType<typeof loadWorkOS> | undefined;
// Its calls end before the function does, like every WorkOS call (the budget restarts per request).
const loadWorkOS = async () =>
  (await import('@app/config/workos')).createWorkOS(runtime.config, { fetchFn: runtime.budget.fetch });

export const handler = makeOrganizationsHandler({
  ...runtime,
  ...(enqueueNotifications ? { enqueueNotifications } : {}),
  workos: () => {
    workos ??= loadWorkOS();
    return workos;
  },
});
