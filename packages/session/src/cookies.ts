/** Name of the session cookie (the WorkOS sealed session) when it is shared with subdomains. */
export const SESSION_COOKIE = 'wos-session';
/**
 * Its name when it is host-only and Secure: the `__Host-` prefix makes browsers refuse it unless
 * it is Secure, Path=/ and without Domain, so a sibling subdomain cannot plant or overwrite it.
 */
export const HOST_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;

/** The session cookie's name for these settings (see HOST_SESSION_COOKIE). */
export function sessionCookieName(settings: CookieSettings): string {
  return !settings.domain && settings.secure ? HOST_SESSION_COOKIE : SESSION_COOKIE;
}
/** Prefix of the per-login-flow PKCE verifier cookie: `wos-pkce-<nonce>`. */
export const PKCE_COOKIE_PREFIX = 'wos-pkce-';
/** The pending organization choice (a login WorkOS answered with organization_selection_required). */
export const PENDING_COOKIE = 'wos-pending';

export type CookieSettings = {
  /** `Domain` attribute (e.g. `.example.com`); host-only when unset. */
  domain?: string | undefined;
  /** `Secure`: everywhere except local http://localhost. */
  secure: boolean;
};

export type CookieOptions = {
  maxAgeSeconds: number;
  path?: string;
  sameSite?: 'Lax' | 'Strict';
};

/** A Set-Cookie value: HttpOnly always, SameSite=Lax by default, Path=/ by default. */
export function serializeCookie(
  name: string,
  value: string,
  settings: CookieSettings,
  options: CookieOptions,
): string {
  const parts = [`${name}=${value}`, `Path=${options.path ?? '/'}`];
  if (settings.domain) parts.push(`Domain=${settings.domain}`);
  parts.push(`Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`);
  if (options.maxAgeSeconds <= 0) parts.push('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
  parts.push('HttpOnly');
  if (settings.secure) parts.push('Secure');
  parts.push(`SameSite=${options.sameSite ?? 'Lax'}`);
  return parts.join('; ');
}

/** Clears a cookie: same name, Domain and Path, Max-Age=0. */
export function clearCookie(name: string, settings: CookieSettings, path = '/'): string {
  return serializeCookie(name, '', settings, { maxAgeSeconds: 0, path });
}
