import { loadSessionRuntime } from '@app/session/runtime';
import { makeNotificationsHandler } from './app';

// Built once per cold start; a warm container reuses the database connection and the cached JWKS.
const runtime = await loadSessionRuntime('notifications');

export const handler = makeNotificationsHandler(runtime);
