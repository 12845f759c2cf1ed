import { stringifySetCookie } from 'cookie';

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

/**
 * A Set-Cookie value: HttpOnly always, SameSite=Lax by default, Path=/ by default. Written by the
 * `cookie` package, which percent-encodes what parseCookies (@app/http) decodes.
 */
export function serializeCookie(
  name: string,
  value: string,
  settings: CookieSettings,
  options: CookieOptions,
): string {
  const maxAge = Math.max(0, Math.floor(options.maxAgeSeconds));
  return stringifySetCookie({
    name,
    value,
    path: options.path ?? '/',
    ...(settings.domain ? { domain: settings.domain } : {}),
    maxAge,
    ...(maxAge === 0 ? { expires: new Date(0) } : {}),
    httpOnly: true,
    secure: settings.secure,
    sameSite: options.sameSite === 'Strict' ? 'strict' : 'lax',
  });
}

/** Clears a cookie: same name, Domain and Path, Max-Age=0. */
export function clearCookie(name: string, settings: CookieSettings, path = '/'): string {
  return serializeCookie(name, '', settings, { maxAgeSeconds: 0, path });
}
