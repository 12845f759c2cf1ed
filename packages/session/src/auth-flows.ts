import { type Database, organizations, revokedSessions } from '@app/db';
import {
  fieldIssues,
  type HttpContext,
  HttpError,
  type HttpEvent,
  type HttpResult,
  html,
  httpError,
  ok,
  redirect,
  refuseUnstorable,
  unstorableText,
} from '@app/http';
import type { Logger, Metrics } from '@app/telemetry';
import { emitMetric } from '@app/telemetry';
import { type AuthenticationResponse, RateLimitExceededException, type WorkOS } from '@workos-inc/node';
import { and, eq, isNull } from 'drizzle-orm';
import { loginQuery, switchBody, WORKOS_ORG_ID } from './auth-schemas';
import { CHOICE_PAGE_CSP, organizationChoicePage } from './choice-page';
import { clearCookie, PENDING_COOKIE, PKCE_COOKIE_PREFIX, serializeCookie } from './cookies';
import { LOGIN_FLOW_TTL_SECONDS, openFlow, randomToken, sameToken, sealFlow } from './flow-state';
import { decodeClaims } from './jwt';
import { isActiveMember, organizationAccess, sessionOf, tenantOf } from './middleware';
import { sanitizeReturnTo } from './return-to';
import type { Sessions } from './sessions';
import { fetchOrganizationSnapshot, recordOrganization, recordSignIn } from './sign-in-sync';

export type AuthFlowsOptions = {
  sessions: Sessions;
  workos: WorkOS;
  db: Database;
  clientId: string;
  /** WORKOS_REDIRECT_URI: this API's /auth/callback. */
  redirectUri: string;
  allowedRedirectOrigins?: readonly string[];
  /** TENANT_BASE_DOMAIN: a login from `<slug>.<base>` asks WorkOS for that organization. */
  tenantBaseDomain?: string | undefined;
  logger?: Logger;
  metrics?: Metrics;
};

/**
 * Codes a login can come back to /auth/login with (`?error=`), when WorkOS needs the user to do
 * something first: they are WorkOS authentication error codes, passed through.
 */
export const LOGIN_ERROR_CODES = [
  'email_verification_required',
  'mfa_enrollment',
  'mfa_challenge',
  'mfa_verification',
  'sso_required',
  'organization_authentication_required',
  'organization_membership_required',
  'radar_email_challenge',
  'radar_sms_challenge',
] as const;

const SELECT_ORGANIZATION_PATH = '/auth/select-organization';
/** Login flows one browser may have pending at once (tabs, retries); older ones are dropped. */
export const MAX_PENDING_FLOWS = 3;

function formBody(event: HttpEvent): URLSearchParams {
  const raw = event.body ?? '';
  if (raw.length > 16_384) throw httpError('PAYLOAD_TOO_LARGE', 'Body is too large');
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  const type = event.headers?.['content-type'] ?? '';
  if (type && !/^application\/x-www-form-urlencoded\b/i.test(type)) {
    throw httpError('UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/x-www-form-urlencoded');
  }
  const form = new URLSearchParams(text);
  refuseUnstorable(
    [...form].flatMap(([k, v]) => (unstorableText(k) || unstorableText(v) ? [`form.${k}`] : [])),
  );
  return form;
}

/**
 * The sign-in flows behind /auth/*: PKCE login with sealed state, the callback (including the
 * organization choice WorkOS may ask for), logout and organization switch.
 */
export function makeAuthFlows(options: AuthFlowsOptions) {
  const { sessions, workos, db, clientId, redirectUri, logger, metrics } = options;
  const allowed = options.allowedRedirectOrigins ?? [];
  const password = sessions.cookiePassword;
  const settings = sessions.cookieSettings;
  const now = () => sessions.clock();
  const sealOptions = { sealSession: true, cookiePassword: password } as const;

  const flowCookie = (name: string, value: string, path: string) =>
    serializeCookie(name, value, settings, { maxAgeSeconds: LOGIN_FLOW_TTL_SECONDS, path });

  function callbackFailed(code: string) {
    emitMetric(metrics, 'CallbackFailed', 1, { code });
  }

  /**
   * Set-Cookie lines that clear this browser's older login flows, so that with the new one at most
   * MAX_PENDING_FLOWS verifier cookies remain (each lives 10 minutes; unbounded, repeated logins
   * grew the Cookie header until the callback answered 431). Unreadable or expired ones go first.
   */
  async function pruneFlows(cookies: Record<string, string>): Promise<string[]> {
    const names = Object.keys(cookies).filter((name) => name.startsWith(PKCE_COOKIE_PREFIX));
    if (names.length < MAX_PENDING_FLOWS) return [];
    const opened = await Promise.all(
      names.map(async (name) => ({
        name,
        exp: (await openFlow(cookies[name], 'pkce', password, now()))?.exp ?? 0,
      })),
    );
    opened.sort((a, b) => b.exp - a.exp);
    return opened.slice(MAX_PENDING_FLOWS - 1).map(({ name }) => clearCookie(name, settings, '/auth'));
  }

  /** GET /auth/login */
  async function login(event: HttpEvent, context: HttpContext): Promise<HttpResult> {
    const parsed = loginQuery.safeParse(event.queryStringParameters ?? {});
    if (!parsed.success) {
      throw httpError('VALIDATION_FAILED', 'Invalid login parameters', {
        fields: fieldIssues(parsed.error.issues, { root: '(query)' }),
      });
    }
    const q = parsed.data;
    const tenant = await loginTenant(event);
    const organizationId = q.organizationId ?? tenant?.workosOrgId;
    let returnTo = sanitizeReturnTo(q.returnTo, tenant ? [...allowed, tenant.origin] : allowed);
    // The callback lands on the API domain: send the browser back to the tenant it came from.
    if (tenant && returnTo.startsWith('/')) returnTo = `${tenant.origin}${returnTo}`;
    const nonce = randomToken();
    const exp = now() + LOGIN_FLOW_TTL_SECONDS * 1000;
    const pkce = await workos.pkce.generate();
    const state = await sealFlow(
      {
        kind: 'state',
        nonce,
        returnTo,
        ...(organizationId ? { organizationId } : {}),
        exp,
      },
      password,
    );
    const verifier = await sealFlow({ kind: 'pkce', nonce, codeVerifier: pkce.codeVerifier, exp }, password);
    const url = workos.userManagement.getAuthorizationUrl({
      provider: 'authkit',
      clientId,
      redirectUri,
      state,
      codeChallenge: pkce.codeChallenge,
      codeChallengeMethod: 'S256',
      ...(organizationId ? { organizationId } : {}),
      ...(q.screenHint ? { screenHint: q.screenHint } : {}),
      ...(q.loginHint ? { loginHint: q.loginHint } : {}),
    });
    return redirect(url, {
      cookies: [
        ...(await pruneFlows(context.cookies)),
        flowCookie(`${PKCE_COOKIE_PREFIX}${nonce}`, verifier, '/auth'),
      ],
    });
  }

  /**
   * The tenant a login comes from (its Host is `<slug>.<base>`): its origin, and the WorkOS id of
   * the organization with that slug when there is one (an unknown slug signs in unscoped).
   */
  async function loginTenant(event: HttpEvent) {
    const slug = tenantOf(event, options.tenantBaseDomain);
    if (!slug) return undefined;
    const [org] = await db
      .select({ workosOrgId: organizations.workosOrgId })
      .from(organizations)
      .where(and(eq(organizations.slug, slug), isNull(organizations.deletedAt)))
      .limit(1);
    const host = String(event.headers?.host).trim().toLowerCase().replace(/\.$/, '');
    return { workosOrgId: org?.workosOrgId, origin: `${settings.secure ? 'https' : 'http'}://${host}` };
  }

  /** Maps a failed WorkOS exchange (code or organization selection) to an HttpError. */
  function exchangeError(
    error: unknown,
    refused: 'INVALID_CODE' | 'ORGANIZATION_SELECTION_INVALID',
  ): HttpError {
    if (error instanceof HttpError) return error;
    if (error instanceof RateLimitExceededException) {
      return httpError('RATE_LIMITED', 'Too many sign-in attempts, try again shortly', {
        headers: { 'retry-after': String(error.retryAfter ?? 1) },
      });
    }
    const status = (error as { status?: unknown }).status;
    // WorkOS refused the grant (invalid_grant, expired or reused code, not a member...). A 408 is the
    // SDK reporting its own timeout (or our time budget running out): WorkOS never answered, the code
    // may still be good, so the user may retry.
    if (typeof status === 'number' && status >= 400 && status < 500 && status !== 401 && status !== 408) {
      const message =
        refused === 'INVALID_CODE' ? 'The sign-in code was refused' : 'That organization cannot be chosen';
      return httpError(refused, message, { cause: error });
    }
    if (status === 401) throw error; // our configuration (a wrong API key): a 500, logged
    logger?.warn('WorkOS unavailable during sign-in', { error: (error as Error).message });
    return httpError('UPSTREAM_UNAVAILABLE', 'Sign-in service unavailable, try again', { cause: error });
  }

  /** The login is done: record it locally, set the session cookie, send the browser on. */
  async function complete(
    auth: AuthenticationResponse,
    returnTo: string,
    extraCookies: string[],
    status: 302 | 303,
  ): Promise<HttpResult> {
    if (!auth.sealedSession) throw new Error('WorkOS did not return a sealed session');
    const claims = decodeClaims(auth.accessToken);
    const snapshot = auth.organizationId
      ? await fetchOrganizationSnapshot(workos, auth.user.id, auth.organizationId, claims ?? {}, logger)
      : undefined;
    const record = await recordSignIn(db, {
      user: auth.user,
      organizationId: auth.organizationId,
      snapshot,
      at: new Date(now()),
    });
    if (!record.active) {
      throw httpError('UNAUTHORIZED', 'This account is deactivated', { cookies: extraCookies });
    }
    logger?.info('signed in', { userId: auth.user.id, organizationId: auth.organizationId });
    return redirect(returnTo, {
      status,
      cookies: [sessions.sessionCookie(auth.sealedSession), ...extraCookies],
    });
  }

  /** GET /auth/callback */
  async function callback(event: HttpEvent, context: HttpContext): Promise<HttpResult> {
    try {
      return await handleCallback(event, context);
    } catch (error) {
      callbackFailed(error instanceof HttpError ? error.code : 'INTERNAL_ERROR');
      throw error;
    }
  }

  /** The callback's own checks: state sealed by us, this browser's verifier, a code. */
  async function checkCallback(event: HttpEvent, context: HttpContext) {
    const q = event.queryStringParameters ?? {};
    const state = await openFlow(q.state, 'state', password, now());
    const verifierName = state ? `${PKCE_COOKIE_PREFIX}${state.nonce}` : undefined;
    const clearVerifier = verifierName ? [clearCookie(verifierName, settings, '/auth')] : [];
    if (q.error) {
      throw httpError('AUTHORIZATION_DENIED', 'Sign-in was cancelled or refused', { cookies: clearVerifier });
    }
    if (!state || !verifierName)
      throw httpError('INVALID_STATE', 'The sign-in state is missing, expired or invalid');
    const verifier = await openFlow(context.cookies[verifierName], 'pkce', password, now());
    if (!verifier || !sameToken(verifier.nonce, state.nonce)) {
      throw httpError('INVALID_STATE', 'This sign-in was not started in this browser, or it expired', {
        cookies: clearVerifier,
      });
    }
    if (!q.code) throw httpError('INVALID_CODE', 'The sign-in code is missing', { cookies: clearVerifier });
    return { state, code: q.code, codeVerifier: verifier.codeVerifier, clearVerifier };
  }

  async function handleCallback(event: HttpEvent, context: HttpContext): Promise<HttpResult> {
    const { state, code, codeVerifier, clearVerifier } = await checkCallback(event, context);
    let auth: AuthenticationResponse;
    try {
      auth = await workos.userManagement.authenticateWithCode({
        clientId,
        code,
        codeVerifier,
        ipAddress: event.requestContext?.http?.sourceIp,
        userAgent: event.headers?.['user-agent'],
        session: sealOptions,
      });
    } catch (error) {
      const errorCode = (error as { code?: unknown }).code;
      const status = (error as { status?: unknown }).status;
      if (errorCode === 'organization_selection_required') {
        return organizationSelection(error, state, clearVerifier);
      }
      if (status === 403 && typeof errorCode === 'string' && errorCode) {
        // WorkOS needs the user to do something first (verify email, MFA, SSO...): start over with the code.
        const params = new URLSearchParams({ error: errorCode, returnTo: state.returnTo });
        callbackFailed(errorCode);
        return redirect(`/auth/login?${params}`, { cookies: clearVerifier });
      }
      const mapped = exchangeError(error, 'INVALID_CODE');
      throw httpError(mapped.code, mapped.message, { cookies: clearVerifier, headers: mapped.headers ?? {} });
    }
    return complete(auth, state.returnTo, clearVerifier, 302);
  }

  /**
   * WorkOS answered organization_selection_required: complete at once when the login named one of the
   * user's organizations, else show the choice page.
   */
  async function organizationSelection(
    error: unknown,
    state: { organizationId?: string | undefined; returnTo: string },
    clearVerifier: string[],
  ): Promise<HttpResult> {
    const pending = (
      error as {
        rawData?: {
          pending_authentication_token?: string;
          organizations?: { id: string; name: string }[];
          user?: { email?: string };
        };
      }
    ).rawData;
    const token = pending?.pending_authentication_token;
    const orgs = pending?.organizations ?? [];
    if (!token) throw exchangeError(error, 'INVALID_CODE');
    if (!state.organizationId || !orgs.some((o) => o.id === state.organizationId)) {
      return choicePage(token, orgs, state.returnTo, pending?.user?.email, clearVerifier);
    }
    let auth: AuthenticationResponse;
    try {
      auth = await workos.userManagement.authenticateWithOrganizationSelection({
        clientId,
        pendingAuthenticationToken: token,
        organizationId: state.organizationId,
        session: sealOptions,
      });
    } catch (selectionError) {
      const mapped = exchangeError(selectionError, 'INVALID_CODE');
      throw httpError(mapped.code, mapped.message, { cookies: clearVerifier });
    }
    return complete(auth, state.returnTo, clearVerifier, 302);
  }

  async function choicePage(
    token: string,
    orgs: { id: string; name: string }[],
    returnTo: string,
    email: string | undefined,
    extraCookies: string[],
  ): Promise<HttpResult> {
    const csrf = randomToken();
    const pending = await sealFlow(
      {
        kind: 'pending',
        token,
        returnTo,
        csrf,
        exp: now() + LOGIN_FLOW_TTL_SECONDS * 1000,
      },
      password,
    );
    const page = organizationChoicePage({
      organizations: orgs,
      csrf,
      action: SELECT_ORGANIZATION_PATH,
      email,
    });
    return html(page, {
      headers: {
        'content-security-policy': CHOICE_PAGE_CSP,
        // With no-referrer, Chromium sends `Origin: null` on the form post, which requireAppOrigin refuses.
        'referrer-policy': 'same-origin',
      },
      cookies: [flowCookie(PENDING_COOKIE, pending, SELECT_ORGANIZATION_PATH), ...extraCookies],
    });
  }

  /** POST /auth/select-organization (form post from the choice page) */
  async function selectOrganization(event: HttpEvent, context: HttpContext): Promise<HttpResult> {
    const clearPending = [clearCookie(PENDING_COOKIE, settings, SELECT_ORGANIZATION_PATH)];
    const invalid = (message: string) =>
      httpError('ORGANIZATION_SELECTION_INVALID', message, { cookies: clearPending });
    try {
      const form = formBody(event);
      const pending = await openFlow(context.cookies[PENDING_COOKIE], 'pending', password, now());
      if (!pending) throw invalid('This organization choice expired or is not valid, sign in again');
      const csrf = form.get('csrf') ?? '';
      if (!sameToken(csrf, pending.csrf))
        throw invalid('This organization choice is not valid, sign in again');
      const organizationId = form.get('organizationId') ?? '';
      // Membership is WorkOS's to check, on the selection grant below.
      if (!WORKOS_ORG_ID.test(organizationId)) {
        throw httpError('ORGANIZATION_SELECTION_INVALID', 'That organization cannot be chosen', {
          fields: [{ field: 'organizationId', message: 'must be a WorkOS organization id (org_...)' }],
        });
      }
      let auth: AuthenticationResponse;
      try {
        auth = await workos.userManagement.authenticateWithOrganizationSelection({
          clientId,
          pendingAuthenticationToken: pending.token,
          organizationId,
          ipAddress: event.requestContext?.http?.sourceIp,
          userAgent: event.headers?.['user-agent'],
          session: sealOptions,
        });
      } catch (error) {
        const mapped = exchangeError(error, 'ORGANIZATION_SELECTION_INVALID');
        throw httpError(mapped.code, mapped.message, { cookies: clearPending });
      }
      return await complete(auth, pending.returnTo, clearPending, 303);
    } catch (error) {
      callbackFailed(error instanceof HttpError ? error.code : 'INTERNAL_ERROR');
      throw error;
    }
  }

  /**
   * Ends the session on the server before the browser is sent anywhere: WorkOS revokes it (its
   * refresh token stops working) and the local revocation table refuses its cookie at once, on
   * every instance, although its access token is unexpired. WorkOS unreachable still revokes
   * locally (the session.revoked event or the logout URL end it at WorkOS later).
   */
  async function revoke(sessionId: string, workosUserId: string) {
    await db.insert(revokedSessions).values({ sessionId, workosUserId }).onConflictDoNothing();
    try {
      await workos.userManagement.revokeSession({ sessionId });
    } catch (error) {
      logger?.warn('WorkOS session revoke failed; revoked locally', {
        userId: workosUserId,
        error: (error as Error).name,
      });
    }
  }

  /** POST /auth/logout: works with an expired or missing session. */
  async function logout(event: HttpEvent, context: HttpContext): Promise<HttpResult> {
    const query = event.queryStringParameters ?? {};
    const returnTo = sanitizeReturnTo(query.returnTo, allowed);
    const facts = await sessions.peek(context.cookies[sessions.cookieName]);
    if (facts) await revoke(facts.sessionId, facts.workosUserId);
    const absoluteReturn = /^https?:\/\//.test(returnTo) ? returnTo : undefined;
    const location = facts
      ? workos.userManagement.getLogoutUrl({
          sessionId: facts.sessionId,
          ...(absoluteReturn ? { returnTo: absoluteReturn } : {}),
        })
      : returnTo;
    if (facts) logger?.info('signed out', { userId: facts.workosUserId });
    const cookies = [sessions.clearSessionCookie()];
    const accept = event.headers?.accept ?? '';
    if (/\bapplication\/json\b/i.test(accept)) return ok({ logoutUrl: location }, { cookies });
    return redirect(location, { status: 303, cookies });
  }

  /**
   * POST /auth/switch-organization {organizationId}: refreshes the session into that organization.
   * Needs requireSession and jsonBody before it. Not a member -> 403 FORBIDDEN.
   */
  async function switchOrganization(_event: HttpEvent, context: HttpContext): Promise<HttpResult> {
    const parsed = switchBody.safeParse(context.body);
    if (!parsed.success) {
      throw httpError('VALIDATION_FAILED', 'Invalid body', {
        fields: fieldIssues(parsed.error.issues),
      });
    }
    const session = sessionOf(context);
    const wanted = parsed.data.organizationId;
    const byId = wanted.startsWith('org_');
    const local = await organizationAccess(
      db,
      session.user.id,
      byId ? { workosOrgId: wanted } : { slug: wanted },
    );
    const workosOrgId = local?.organization.workosOrgId ?? (byId ? wanted : undefined);
    if (!workosOrgId) throw httpError('FORBIDDEN', 'You are not a member of that organization');
    if (!isActiveMember(local?.membership)) {
      // Not known locally (yet): WorkOS is the authority; record what it says.
      const snapshot = await fetchOrganizationSnapshot(workos, session.workosUserId, workosOrgId, {}, logger);
      if (snapshot.membership?.status !== 'active') {
        throw httpError('FORBIDDEN', 'You are not a member of that organization');
      }
      await recordOrganization(db, session.user.id, workosOrgId, snapshot);
    }
    const switched = await sessions.switchOrganization(session.sealed, workosOrgId);
    logger?.info('organization switched', { userId: session.workosUserId, organizationId: workosOrgId });
    return ok(
      {
        organizationId: switched.facts.organizationId,
        role: switched.facts.role ?? null,
        roles: switched.facts.roles,
        permissions: switched.facts.permissions,
      },
      { cookies: switched.setCookie ? [switched.setCookie] : [] },
    );
  }

  return { login, callback, selectOrganization, logout, switchOrganization };
}

export type AuthFlows = ReturnType<typeof makeAuthFlows>;
