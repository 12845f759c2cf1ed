import { httpError } from './errors';
import type { HttpEvent, HttpMiddleware } from './middleware';

/** Where state-changing requests may come from. */
export type OriginPolicy = {
  /** The app's origins (ALLOWED_REDIRECT_ORIGINS), e.g. `https://app.example.com`. */
  origins: readonly string[];
  /** TENANT_BASE_DOMAIN: pages on `https://<slug>.<base>` are the app too. */
  tenantBaseDomain?: string | undefined;
};

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function originOf(value: string | undefined): URL | undefined {
  if (!value || value === 'null') return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}

const isLoopback = (hostname: string) =>
  hostname === 'localhost' || hostname === '127.0.0.1' || hostname.endsWith('.localhost');

/**
 * True when a request's Origin (or, without one, its Referer) is one of the app's: a configured
 * origin, this API's own host (a page it served, e.g. the organization choice), or a tenant
 * subdomain over HTTPS. A missing or opaque (`null`) origin is not.
 */
export function originAllowed(event: HttpEvent, policy: OriginPolicy): boolean {
  const headers = event.headers ?? {};
  const from = originOf(headers.origin) ?? originOf(headers.origin ? undefined : headers.referer);
  if (!from) return false;
  const secureOrLocal = from.protocol === 'https:' || isLoopback(from.hostname);
  if (policy.origins.some((origin) => originOf(origin)?.origin === from.origin)) return true;
  const host = headers.host?.trim().toLowerCase().replace(/\.$/, '');
  if (host && from.host === host && secureOrLocal) return true;
  const base = policy.tenantBaseDomain?.trim().toLowerCase().replace(/^\.+/, '').replace(/\.$/, '');
  if (!base || !secureOrLocal || !from.hostname.endsWith(`.${base}`)) return false;
  const label = from.hostname.slice(0, -(base.length + 1));
  return /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(label);
}

/**
 * CSRF guard for state-changing routes (any method but GET, HEAD, OPTIONS): the request must come
 * from one of the app's origins (see originAllowed), else 403 ORIGIN_REFUSED before anything else
 * runs. Browsers send Origin on every cross-site POST, form or fetch, so a page elsewhere (or a
 * sibling subdomain sharing the cookie) cannot act with the user's session. Use it first, before
 * requireSession and jsonBody.
 */
export function requireAppOrigin(policy: OriginPolicy): HttpMiddleware {
  return {
    before: (request) => {
      const method = (request.event.requestContext?.http?.method ?? 'GET').toUpperCase();
      if (SAFE_METHODS.has(method)) return;
      if (!originAllowed(request.event, policy)) {
        throw httpError('ORIGIN_REFUSED', 'This request must come from the app itself');
      }
    },
  };
}
