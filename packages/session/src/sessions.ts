import type { Database } from '@app/db';
import { httpError } from '@app/http';
import type { Logger, Metrics } from '@app/telemetry';
import { emitMetric } from '@app/telemetry';
import type { User as WorkOSUser } from '@workos-inc/node';
import { type CookieSettings, clearCookie, serializeCookie, sessionCookieName } from './cookies';
import { type AccessTokenClaims, decodeClaims } from './jwt';
import { makeRefreshLock, type SingleFlightResult, type SpendResult } from './refresh-lock';
import { unsealData } from './seal';
import { type RefreshResult as ApiRefreshResult, type SessionApi, SessionApiError } from './workos-session';

/** What a verified session says about the caller (from the access token and the sealed user). */
export type SessionFacts = {
  sessionId: string;
  /** WorkOS user id (`user_...`). */
  workosUserId: string;
  /** WorkOS organization id the session is scoped to, if any. */
  organizationId: string | undefined;
  role: string | undefined;
  roles: string[];
  permissions: string[];
  entitlements: string[];
  featureFlags: string[];
  impersonator: { email: string; reason: string | null } | undefined;
  /** The WorkOS user as sealed in the cookie (may lag behind the local row). */
  user: WorkOSUser;
  /** Access token expiry, epoch ms. */
  expiresAt: number;
};

export type AuthenticatedSession = {
  facts: SessionFacts;
  /** The sealed session now in force (the refreshed one when a refresh happened). */
  sealed: string;
  /** Set-Cookie for a refreshed session, to send with this response. */
  setCookie: string | undefined;
};

type SealedPayload = {
  accessToken?: string;
  refreshToken?: string;
  user?: WorkOSUser;
  organizationId?: string;
  impersonator?: { email: string; reason: string | null };
};

export type RefreshOutcome = 'refreshed' | 'joined' | 'terminal' | 'transient';

export type SessionsOptions = {
  /** Verifies and refreshes at WorkOS (makeSessionApi); keep it at module scope so the JWKS stays cached. */
  sessionApi: SessionApi;
  db: Database;
  /** SESSION_SECRET: seals and opens the cookie. */
  cookiePassword: string;
  cookie: CookieSettings & { maxAgeSeconds?: number };
  /** Epoch ms; injectable for tests. */
  clock?: () => number;
  /** Refresh when the access token expires within this many seconds. Default 60. */
  refreshBufferSeconds?: number;
  /** How long a request waits for another instance's refresh of the same token. Default 8000 ms. */
  refreshWaitMs?: number;
  refreshPollMs?: number;
  /** A refresh claimed longer ago than this without a result is taken over. Default 30 s. */
  staleClaimMs?: number;
  /** How long a finished refresh answers requests holding the old cookie. Default 30 s. */
  refreshResultWindowMs?: number;
  logger?: Logger;
  metrics?: Metrics;
};

const DEFAULT_MAX_AGE = 60 * 60 * 24 * 30;

type RefreshResult = SingleFlightResult;

/**
 * Sessions: the WorkOS sealed-session cookie, verified locally on every request (JWKS cached by the
 * session api, so keep it at module scope), refreshed when expired or about to expire.
 * Refreshes are single-flight across instances (./refresh-lock): concurrent requests holding the
 * same cookie share one spend of the single-use refresh token.
 */
export function makeSessions(options: SessionsOptions) {
  const { sessionApi, db, cookiePassword, logger, metrics } = options;
  const clock = options.clock ?? Date.now;
  const bufferMs = (options.refreshBufferSeconds ?? 60) * 1000;
  const lock = makeRefreshLock({
    db,
    waitMs: options.refreshWaitMs,
    pollMs: options.refreshPollMs,
    staleClaimMs: options.staleClaimMs,
    resultWindowMs: options.refreshResultWindowMs,
  });
  const maxAgeSeconds = options.cookie.maxAgeSeconds ?? DEFAULT_MAX_AGE;
  const cookieSettings: CookieSettings = { domain: options.cookie.domain, secure: options.cookie.secure };

  const cookieName = sessionCookieName(cookieSettings);
  const sessionCookie = (sealed: string) =>
    serializeCookie(cookieName, sealed, cookieSettings, { maxAgeSeconds });
  const clearSessionCookie = () => clearCookie(cookieName, cookieSettings);

  const unauthorized = (message: string) =>
    httpError('UNAUTHORIZED', message, { cookies: [clearSessionCookie()] });
  const invalidSession = () =>
    httpError('INVALID_SESSION', 'The session cookie is not valid', { cookies: [clearSessionCookie()] });

  function recordRefresh(outcome: RefreshOutcome) {
    emitMetric(metrics, 'RefreshOutcome', 1, { outcome });
  }

  function factsFrom(payload: SealedPayload, claims: AccessTokenClaims): SessionFacts | undefined {
    if (!payload.user || !claims.sid || !claims.sub) return undefined;
    const impersonator =
      payload.impersonator ??
      (claims.act?.sub ? { email: claims.act.sub, reason: claims.act.reason ?? null } : undefined);
    return {
      sessionId: claims.sid,
      workosUserId: claims.sub,
      organizationId: claims.org_id,
      role: claims.role,
      roles: claims.roles ?? (claims.role ? [claims.role] : []),
      permissions: claims.permissions ?? [],
      entitlements: claims.entitlements ?? [],
      featureFlags: claims.feature_flags ?? [],
      impersonator,
      user: payload.user,
      expiresAt: (claims.exp ?? 0) * 1000,
    };
  }

  /** Opens a sealed session without verifying the token signature (for logout and refresh). */
  async function open(sealed: string) {
    const payload = await unsealData<SealedPayload>(sealed, cookiePassword);
    if (!payload?.accessToken || !payload.refreshToken) return undefined;
    const claims = decodeClaims(payload.accessToken);
    if (!claims) return undefined;
    return { payload, claims, accessToken: payload.accessToken, refreshToken: payload.refreshToken };
  }

  /** Verifies the access token signature and expiry against the WorkOS JWKS (cached). */
  async function verify(accessToken: string): Promise<'valid' | 'invalid_jwt'> {
    try {
      return (await sessionApi.verifyAccessToken(accessToken)) ? 'valid' : 'invalid_jwt';
    } catch (error) {
      // JWKS unreachable, timed out or without the token's key: not the caller's fault.
      logger?.warn('session verification unavailable', { error: (error as Error).message });
      throw httpError('UPSTREAM_UNAVAILABLE', 'Sign-in service unavailable, try again');
    }
  }

  /**
   * Cookies this container already verified, until their token is due for refresh: a cookie's
   * signature and expiry never change, so a warm container skips re-opening and re-verifying it
   * (revocation and the user's state are still read from the database on every request).
   */
  const verified = new Map<string, SessionFacts>();
  const VERIFIED_MAX = 500;
  function remember(sealed: string, facts: SessionFacts) {
    if (verified.size >= VERIFIED_MAX) {
      const oldest = verified.keys().next().value;
      if (oldest !== undefined) verified.delete(oldest);
    }
    verified.set(sealed, facts);
  }

  /** Spends the refresh token at WorkOS, once across all instances (see makeRefreshLock). */
  async function refreshOnce(
    sealed: string,
    refreshToken: string,
    organizationId?: string,
  ): Promise<RefreshResult> {
    return lock.singleFlight(refreshToken, async (): Promise<SpendResult> => {
      // Throws for answers neither terminal nor transient (e.g. 403 not a member when switching).
      const result: ApiRefreshResult = await sessionApi.refresh(sealed, cookiePassword, organizationId);
      if (result.authenticated && result.sealedSession) return { ok: true, sealed: result.sealedSession };
      if (!result.authenticated && !result.retryable)
        return { ok: false, terminal: true, reason: result.reason };
      return {
        ok: false,
        terminal: false,
        reason: result.authenticated ? 'no_sealed_session' : result.reason,
      };
    });
  }

  async function factsOfSealed(sealed: string): Promise<SessionFacts> {
    const opened = await open(sealed);
    const facts = opened && factsFrom(opened.payload, opened.claims);
    if (!facts) throw new Error('WorkOS returned a session without a user or session id');
    return facts;
  }

  /**
   * Verifies the cookie and refreshes it when needed. Throws an HttpError: UNAUTHORIZED (no cookie,
   * refresh refused), INVALID_SESSION (unreadable cookie), UPSTREAM_UNAVAILABLE (WorkOS keys or
   * refresh unreachable while the token cannot be used).
   */
  async function authenticate(sealed: string | undefined): Promise<AuthenticatedSession> {
    if (!sealed) throw httpError('UNAUTHORIZED', 'Sign in first');
    const known = verified.get(sealed);
    if (known && known.expiresAt - clock() > bufferMs) return { facts: known, sealed, setCookie: undefined };
    const opened = await open(sealed);
    const current = opened && factsFrom(opened.payload, opened.claims);
    if (!opened || !current) throw invalidSession();

    const expiring = current.expiresAt - clock() <= bufferMs;
    const verdict =
      expiring && current.expiresAt <= clock() ? 'invalid_jwt' : await verify(opened.accessToken);
    if (verdict === 'valid' && !expiring) {
      remember(sealed, current);
      return { facts: current, sealed, setCookie: undefined };
    }

    let refreshed: RefreshResult;
    try {
      refreshed = await refreshOnce(sealed, opened.refreshToken);
    } catch (error) {
      if (!(error instanceof SessionApiError && error.code === 'refresh_rejected')) throw error;
      // WorkOS refused with something other than invalid_grant (400, 401, 404...): not proof the
      // session ended, and likely our side (configuration). Keep the user while the token is valid.
      logger?.warn('session refresh refused', {
        status: error.details.status,
        workosCode: error.details.workosCode,
      });
      recordRefresh('transient');
      if (verdict === 'valid') return { facts: current, sealed, setCookie: undefined };
      throw httpError('UPSTREAM_UNAVAILABLE', 'Sign-in service unavailable, try again');
    }
    recordRefresh(refreshed.outcome);
    if (refreshed.ok) {
      return {
        facts: await factsOfSealed(refreshed.sealed),
        sealed: refreshed.sealed,
        setCookie: sessionCookie(refreshed.sealed),
      };
    }
    logger?.info('session refresh failed', { outcome: refreshed.outcome, reason: refreshed.reason });
    if (refreshed.outcome === 'terminal') throw unauthorized('Your session has ended, sign in again');
    // Transient: a still-valid token keeps working with the cookie unchanged.
    if (verdict === 'valid') return { facts: current, sealed, setCookie: undefined };
    throw httpError('UPSTREAM_UNAVAILABLE', 'Sign-in service unavailable, try again');
  }

  /**
   * Refreshes the session into another organization. The caller checks membership first; WorkOS
   * refusing it (not a member) is FORBIDDEN.
   */
  async function switchOrganization(sealed: string, organizationId: string): Promise<AuthenticatedSession> {
    let current = sealed;
    // At most twice: if we joined a plain refresh of the same token, switch from its result.
    for (let attempt = 0; attempt < 2; attempt++) {
      const opened = await open(current);
      if (!opened?.payload.refreshToken) throw invalidSession();
      let result: RefreshResult;
      try {
        result = await refreshOnce(current, opened.payload.refreshToken, organizationId);
      } catch (error) {
        logger?.info('organization switch refused', { error: (error as Error).message });
        throw httpError('FORBIDDEN', 'You are not a member of that organization');
      }
      recordRefresh(result.outcome);
      if (!result.ok) {
        if (result.outcome === 'terminal') throw unauthorized('Your session has ended, sign in again');
        throw httpError('UPSTREAM_UNAVAILABLE', 'Sign-in service unavailable, try again');
      }
      const facts = await factsOfSealed(result.sealed);
      current = result.sealed;
      if (facts.organizationId === organizationId) {
        return { facts, sealed: current, setCookie: sessionCookie(current) };
      }
    }
    throw httpError('FORBIDDEN', 'You are not a member of that organization');
  }

  /** The session id and facts of a cookie even when its token expired (logout). */
  async function peek(sealed: string | undefined): Promise<SessionFacts | undefined> {
    if (!sealed) return undefined;
    const opened = await open(sealed);
    return opened ? factsFrom(opened.payload, opened.claims) : undefined;
  }

  return {
    authenticate,
    switchOrganization,
    peek,
    factsOfSealed,
    /** `wos-session`, or `__Host-wos-session` when host-only and Secure. */
    cookieName,
    sessionCookie,
    clearSessionCookie,
    cookieSettings,
    cookiePassword,
    clock,
  };
}

export type Sessions = ReturnType<typeof makeSessions>;
