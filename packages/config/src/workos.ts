import { WorkOS } from '@workos-inc/node';
import { type WorkOSSettings, workosBaseUrl } from './workos-settings';

export { type WorkOSSettings, workosBaseUrl };

/**
 * The one way this project builds a WorkOS client. Create it at module scope: the SDK caches the
 * JWKS per instance, so a warm container verifies sessions without calling WorkOS.
 * Timeouts and retries are set so a call fits inside Lambda and API Gateway (29 s) budgets.
 */
export function createWorkOS(
  settings: WorkOSSettings,
  options: { timeoutMs?: number; maxRetries?: number; fetchFn?: typeof fetch } = {},
): WorkOS {
  return new WorkOS({
    apiKey: settings.WORKOS_API_KEY,
    clientId: settings.WORKOS_CLIENT_ID,
    // Same fields workosBaseUrl reads, so the SDK and the session code call the same host.
    ...(settings.WORKOS_API_HOSTNAME ? { apiHostname: settings.WORKOS_API_HOSTNAME } : {}),
    ...(settings.WORKOS_API_PORT ? { port: settings.WORKOS_API_PORT } : {}),
    ...(settings.WORKOS_API_HTTPS !== undefined ? { https: settings.WORKOS_API_HTTPS } : {}),
    timeout: options.timeoutMs ?? 5_000,
    maxRetries: options.maxRetries ?? 1,
    // The invocation's budget (budget.ts): no attempt, retry included, outlives the function.
    ...(options.fetchFn ? { fetchFn: options.fetchFn } : {}),
  });
}
