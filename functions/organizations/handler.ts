import { loadConfig, schemas } from '@app/config';
import { makeWorkOSApi } from '@app/config/workos-api';
import { notificationQueueFromConfig } from '@app/notifications/queue-config';
import { managementWorkOS } from '@app/organizations';
import { loadSessionRuntime } from '@app/session/runtime';
import { makeOrganizationsHandler } from './app';

// Built once per cold start; a warm container reuses the database connection and the cached JWKS.
const runtime = await loadSessionRuntime('organizations');
// Role changes, removals and invitations notify (outbox); their emails are enqueued after COMMIT.
const notifications = loadConfig({
  NOTIFICATIONS_QUEUE_URL: schemas.NOTIFICATIONS_QUEUE_URL,
  SQS_ENDPOINT: schemas.SQS_ENDPOINT,
});
const enqueueNotifications = notificationQueueFromConfig(notifications, 3_000);

export const handler = makeOrganizationsHandler({
  ...runtime,
  ...(enqueueNotifications ? { enqueueNotifications } : {}),
  // Management calls end before the function does, like every WorkOS call (the budget restarts per request).
  workos: managementWorkOS(
    makeWorkOSApi(runtime.config, { fetch: runtime.budget.fetch, remainingMs: runtime.budget.remainingMs }),
  ),
});
