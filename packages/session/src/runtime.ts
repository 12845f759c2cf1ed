import { HTTP_FUNCTION_TIMEOUT_MS, makeInvocationBudget } from '@app/config/budget';
import { loadRuntime } from '@app/config/runtime';
import { workosBaseUrl } from '@app/config/workos-settings';
import { createDb, iamAuthFromEnv } from '@app/db';
import { sessionEnv } from './env';
import { makeSessions } from './sessions';
import { makeSessionApi } from './workos-session';

/**
 * What every cookie-session function (auth, me, organizations) builds once per cold start, from
 * the environment: config, the session api (module scope, so the JWKS stays cached), one database
 * connection, sessions, logs and metrics. No WorkOS SDK here: functions that only verify and
 * refresh sessions stay small; the auth function adds the SDK client (./auth-runtime).
 */
export async function loadSessionRuntime(service: string) {
  const { config, logger, metrics, notConfigured } = await loadRuntime(service, sessionEnv);
  // Every WorkOS call (keys, refresh) ends before the function does: the budget restarts per
  // invocation (the HTTP handlers start it) from the Lambda context.
  const budget = makeInvocationBudget();
  // The same timeout and retry budget as createWorkOS gives the SDK client.
  const sessionApi = makeSessionApi({
    fetch: budget.fetch,
    baseUrl: workosBaseUrl(config),
    clientId: config.WORKOS_CLIENT_ID,
    apiKey: config.WORKOS_API_KEY,
    timeoutMs: 5_000,
    retries: 1,
  });
  const { db } = createDb(config.DATABASE_URL, {
    max: 1,
    applicationName: service,
    ...iamAuthFromEnv(),
  });
  const deployed = config.APP_ENV !== 'local';
  const sessions = makeSessions({
    sessionApi,
    db,
    cookiePassword: config.SESSION_SECRET,
    cookie: { domain: config.COOKIE_DOMAIN, secure: deployed },
    // The claim expires with its holder: no invocation lives longer than the function timeout.
    staleClaimMs: HTTP_FUNCTION_TIMEOUT_MS,
    logger,
    metrics,
  });
  return {
    config,
    sessionApi,
    db,
    sessions,
    logger,
    metrics,
    hsts: deployed,
    // Where state-changing requests may come from (requireAppOrigin) and returnTo may point.
    allowedRedirectOrigins: config.ALLOWED_REDIRECT_ORIGINS,
    tenantBaseDomain: config.TENANT_BASE_DOMAIN,
    notConfigured,
    budget,
  };
}
