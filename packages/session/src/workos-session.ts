import { withRetry } from '@app/config/retry';
import { callWorkOS, WorkOSApiError } from '@app/config/workos-api';
import type { User as WorkOSUser } from '@workos-inc/node';
import { createRemoteJWKSet, customFetch, jwtVerify } from 'jose';
import { decodeClaims } from './jwt';
import { sealData, unsealData } from './seal';

/**
 * The two WorkOS sealed-session calls every request may need (verify, refresh), without the WorkOS
 * SDK: its client pulls every API module into the bundle. Same cookie format (./seal), same results
 * and failure reasons as the SDK's `loadSealedSession(...)` token check / `.refresh()`.
 */
export type SessionApiOptions = {
  /** WorkOS API base URL, from workosBaseUrl(settings) (@app/config/workos-settings). */
  baseUrl: string;
  clientId: string;
  /** WORKOS_API_KEY, sent as client_secret on refresh. */
  apiKey: string;
  fetch?: typeof fetch;
  /** Per attempt, for the refresh call and the JWKS download. Default 5000 ms. */
  timeoutMs?: number;
  /** Extra refresh attempts after a network error, 408, 429 or 5xx. Default 0. */
  retries?: number;
  /** The access tokens' `iss`. Default `<baseUrl>/user_management/<clientId>`, WorkOS's own. */
  issuer?: string;
  /** Least time between two key downloads for an unknown key id. Default 30 s. */
  jwksCooldownMs?: number;
};

export type SealedSession = {
  organizationId?: string;
  user?: WorkOSUser;
  accessToken?: string;
  refreshToken?: string;
  authenticationMethod?: string;
  impersonator?: { email: string; reason: string | null };
};

type ClaimFacts = {
  sessionId: string | undefined;
  organizationId: string | undefined;
  role: string | undefined;
  roles: string[] | undefined;
  permissions: string[] | undefined;
  entitlements: string[] | undefined;
  featureFlags: string[] | undefined;
};

/** Terminal: the session is over. Transient: try again later with the same cookie. */
export type RefreshFailureReason =
  | 'invalid_session_cookie'
  | 'invalid_grant'
  | 'mfa_enrollment'
  | 'sso_required'
  | 'rate_limit_exceeded'
  | 'timeout'
  | 'server_error'
  | 'network_error';

export type RefreshResult =
  | (ClaimFacts & {
      authenticated: true;
      sealedSession: string;
      session: SealedSession & { user: WorkOSUser; accessToken: string; refreshToken: string };
      user: WorkOSUser;
      authenticationMethod: string | undefined;
      impersonator: SealedSession['impersonator'];
    })
  | {
      authenticated: false;
      reason: RefreshFailureReason;
      retryable: boolean;
      /** Seconds, from Retry-After on a 429. */
      retryAfter?: number;
    };

export type SessionApiErrorCode = 'jwks_unavailable' | 'refresh_rejected';

/**
 * jwks_unavailable: the keys could not be fetched or have no key for the token (not the caller's
 * fault). refresh_rejected: WorkOS refused the refresh with an answer that is neither terminal nor
 * transient (e.g. 403 not a member of the requested organization); `status` and `workosCode` say which.
 */
export class SessionApiError extends Error {
  override name = 'SessionApiError';
  constructor(
    readonly code: SessionApiErrorCode,
    message: string,
    readonly details: { status?: number; workosCode?: string } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * jose errors that mean "this token is not good" rather than "the keys could not be had": a bad
 * or expired token, an algorithm other than RS256 (alg none, HS256...), a key id the freshly
 * fetched key set does not have (a rotated or forged key).
 */
const INVALID_TOKEN_CODES = new Set([
  'ERR_JOSE_ALG_NOT_ALLOWED',
  'ERR_JOSE_NOT_SUPPORTED',
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
]);
const tokenIsInvalid = (code: string) =>
  code.startsWith('ERR_JWT_') || code.startsWith('ERR_JWS_') || INVALID_TOKEN_CODES.has(code);

/** Refused outright by the SDK's error mapping (never terminal, never retried as transient). */
const REJECTED_STATUSES = new Set([401, 404, 409, 422]);

function claimFacts(accessToken: string): ClaimFacts {
  const claims = decodeClaims(accessToken);
  return {
    sessionId: claims?.sid,
    organizationId: claims?.org_id,
    role: claims?.role,
    roles: claims?.roles,
    permissions: claims?.permissions,
    entitlements: claims?.entitlements,
    featureFlags: claims?.feature_flags,
  };
}

/** WorkOS's user JSON as the SDK hands it over (camelCase), which is what the cookie carries. */
function userFromWire(user: Record<string, unknown>): WorkOSUser {
  return {
    object: user.object,
    id: user.id,
    email: user.email,
    emailVerified: user.email_verified,
    name: user.name ?? null,
    firstName: user.first_name,
    profilePictureUrl: user.profile_picture_url,
    lastName: user.last_name,
    lastSignInAt: user.last_sign_in_at,
    locale: user.locale,
    createdAt: user.created_at,
    updatedAt: user.updated_at,
    externalId: user.external_id ?? null,
    metadata: user.metadata ?? {},
  } as WorkOSUser;
}

type Attempt =
  | { kind: 'ok'; data: Record<string, unknown> }
  | { kind: 'failed'; result: Extract<RefreshResult, { authenticated: false }> }
  | { kind: 'rejected'; error: SessionApiError };

const transient = (reason: RefreshFailureReason, retryAfter?: number): Attempt => ({
  kind: 'failed',
  result: {
    authenticated: false,
    reason,
    retryable: true,
    ...(retryAfter !== undefined ? { retryAfter } : {}),
  },
});
const terminal = (reason: RefreshFailureReason): Attempt => ({
  kind: 'failed',
  result: { authenticated: false, reason, retryable: false },
});

/** A retryable refresh failure, thrown only to drive withRetry (which honours `retryAfter`, seconds). */
class TransientRefresh extends Error {
  readonly retryAfter: number | undefined;
  constructor(readonly failed: Extract<Attempt, { kind: 'failed' }>) {
    super(failed.result.reason);
    this.retryAfter = failed.result.authenticated ? undefined : failed.result.retryAfter;
  }
}

/** Sorts a non-2xx answer (its status and WorkOS's `code` or OAuth `error`) the way the SDK's refresh does. */
function classify(status: number, code: string | undefined, retryAfter?: number): Attempt {
  const rejected: Attempt = {
    kind: 'rejected',
    error: new SessionApiError('refresh_rejected', `WorkOS refused the refresh (${status} ${code ?? ''})`, {
      status,
      ...(code ? { workosCode: code } : {}),
    }),
  };
  if (status === 429) return transient('rate_limit_exceeded', retryAfter);
  if (REJECTED_STATUSES.has(status)) return rejected;
  if (code === 'mfa_enrollment' || code === 'sso_required') return terminal(code);
  if (code === 'invalid_grant') return terminal('invalid_grant');
  if (status === 408) return transient('timeout');
  if (status >= 500) return transient('server_error');
  return rejected;
}

const REFRESH_PATH = '/user_management/authenticate';

export function makeSessionApi(options: SessionApiOptions) {
  const { clientId, apiKey } = options;
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 5000;
  const retries = options.retries ?? 0;
  const issuer = options.issuer ?? `${baseUrl}/user_management/${clientId}`;
  // One key set per instance: keep the instance at module scope so a warm container fetches it once.
  // Built on first use: jose's constructor creates a Headers object, which loads Node's HTTP client
  // (~20 ms) and would otherwise land on every cold start.
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  const keys = () =>
    (jwks ??= createRemoteJWKSet(new URL(`${baseUrl}/sso/jwks/${encodeURIComponent(clientId)}`), {
      timeoutDuration: timeoutMs,
      // An unknown key id downloads the keys again (a WorkOS rotation), at most this often.
      cooldownDuration: options.jwksCooldownMs ?? 30_000,
      ...(options.fetch ? { [customFetch]: options.fetch } : {}),
    }));

  /**
   * True when the token is RS256, from the pinned issuer, signed by a WorkOS key and unexpired; false
   * for any other token (including a key id unknown even after one fresh download of the keys).
   * Throws SessionApiError('jwks_unavailable') when the keys cannot be had.
   */
  async function verifyAccessToken(accessToken: string): Promise<boolean> {
    try {
      await jwtVerify(accessToken, keys(), { algorithms: ['RS256'], issuer });
      return true;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && tokenIsInvalid(code)) return false;
      throw new SessionApiError(
        'jwks_unavailable',
        `WorkOS keys unavailable: ${(error as Error).message}`,
        {},
        {
          cause: error,
        },
      );
    }
  }

  async function attempt(body: object, headers: Record<string, string>): Promise<Attempt> {
    let answer: unknown;
    try {
      answer = await callWorkOS({
        fetch: doFetch,
        method: 'POST',
        url: `${baseUrl}${REFRESH_PATH}`,
        path: REFRESH_PATH,
        apiKey,
        body,
        headers,
        timeoutMs,
      });
    } catch (error) {
      if (!(error instanceof WorkOSApiError)) throw error;
      if (error.status !== undefined) return classify(error.status, error.code, error.retryAfter);
      const name = (error.cause as Error | undefined)?.name;
      return transient(name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network_error');
    }
    const data = answer && typeof answer === 'object' ? (answer as Record<string, unknown>) : undefined;
    return data &&
      typeof data.access_token === 'string' &&
      typeof data.refresh_token === 'string' &&
      data.user
      ? { kind: 'ok', data }
      : transient('server_error');
  }

  /**
   * Spends the session's refresh token at WorkOS and seals the new session with `cookiePassword`.
   * Passing `organizationId` switches the session to that organization (else it stays in the
   * current one). Terminal and transient failures are results; any other refusal throws
   * SessionApiError('refresh_rejected').
   */
  async function refresh(
    sealed: string,
    cookiePassword: string,
    organizationId?: string,
  ): Promise<RefreshResult> {
    const current = await unsealData<SealedSession>(sealed, cookiePassword);
    if (!current?.refreshToken || !current.user) {
      return { authenticated: false, reason: 'invalid_session_cookie', retryable: false };
    }
    const body = {
      grant_type: 'refresh_token',
      client_id: clientId,
      client_secret: apiKey,
      refresh_token: current.refreshToken,
      organization_id: organizationId ?? decodeClaims(current.accessToken)?.org_id,
    };
    const headers: Record<string, string> = {
      // Lets WorkOS recognise a retried attempt as the same refresh.
      ...(retries > 0 ? { 'Idempotency-Key': crypto.randomUUID() } : {}),
    };

    const outcome = await withRetry(
      async () => {
        const tried = await attempt(body, headers);
        if (tried.kind === 'failed' && tried.result.retryable) throw new TransientRefresh(tried);
        return tried;
      },
      {
        policy: { attempts: retries + 1, baseDelayMs: 500, maxDelayMs: 8_000 },
        retryable: (error) => error instanceof TransientRefresh,
      },
    ).catch((error: unknown) => {
      // Out of attempts: the last transient failure is the result.
      if (error instanceof TransientRefresh) return error.failed;
      throw error;
    });
    if (outcome.kind === 'failed') return outcome.result;
    if (outcome.kind === 'rejected') throw outcome.error;

    const { data } = outcome;
    const accessToken = data.access_token as string;
    const next = {
      organizationId: decodeClaims(accessToken)?.org_id,
      user: userFromWire(data.user as Record<string, unknown>),
      accessToken,
      refreshToken: data.refresh_token as string,
      authenticationMethod: data.authentication_method as string | undefined,
      impersonator: data.impersonator as SealedSession['impersonator'],
    };
    const sealedSession = await sealData(next, cookiePassword);
    return {
      authenticated: true,
      sealedSession,
      session: next,
      ...claimFacts(accessToken),
      user: next.user,
      authenticationMethod: next.authenticationMethod,
      impersonator: next.impersonator,
    };
  }

  return { refresh, verifyAccessToken, jwksUrl: `${baseUrl}/sso/jwks/${clientId}` };
}

export type SessionApi = ReturnType<typeof makeSessionApi>;
