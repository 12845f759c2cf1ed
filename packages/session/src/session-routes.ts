import type { Database } from '@app/db';
import { type HttpHandlerOptions, requireAppOrigin } from '@app/http';
import { requireSession } from './middleware';
import type { Sessions } from './sessions';

/** What every function behind the session cookie is built from (me, organizations, notifications). */
export type SessionRouteDeps = Omit<HttpHandlerOptions, 'noStore'> & {
  sessions: Sessions;
  db: Database;
  /** The app's origins, allowed to change state along with this API's own host and tenant subdomains. */
  allowedRedirectOrigins?: readonly string[];
  /** TENANT_BASE_DOMAIN: on `<slug>.<base>` only that organization can be addressed. */
  tenantBaseDomain?: string | undefined;
};

/**
 * The handler options (refusal while not configured, metrics, the per-request time budget, logs) and
 * the two guards these functions share: the signed-in session and the app-origin (CSRF) check.
 */
export function sessionRoutes(deps: SessionRouteDeps) {
  const base: HttpHandlerOptions = {
    hsts: deps.hsts,
    notConfigured: deps.notConfigured,
    metrics: deps.metrics,
    budget: deps.budget,
    ...(deps.logger ? { logger: deps.logger } : {}),
  };
  const signedIn = requireSession(deps);
  const appOrigin = requireAppOrigin({
    origins: deps.allowedRedirectOrigins ?? [],
    tenantBaseDomain: deps.tenantBaseDomain,
  });
  return { base, signedIn, appOrigin };
}
