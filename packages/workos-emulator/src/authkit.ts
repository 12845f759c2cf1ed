import { createHash, timingSafeEqual } from 'node:crypto';
import { escapeHtml } from '@app/http/html';
import type { Clock } from './clock';
import { EmulatorHttpError, invalidGrant, oauthError } from './errors';
import { html, json, page, type Reply, type Request, redirect, str } from './http';
import { newId, opaqueToken } from './ids';
import { type SigningKey, signJwt } from './jwt';
import type { Store } from './store';
import type { UserJson } from './types';

const CODE_TTL_MS = 10 * 60 * 1000;
const PENDING_TOKEN_TTL_MS = 10 * 60 * 1000;
const AUTH_REQUEST_TTL_MS = 30 * 60 * 1000;
const AUTHENTICATION_METHOD = 'Password';

export const ORGANIZATION_SELECTION_GRANT = 'urn:workos:oauth:grant-type:organization-selection';

export type AuthCounts = {
  authorizations: number;
  codeGrants: number;
  refreshGrants: number;
  organizationSelectionGrants: number;
  failedGrants: number;
  logouts: number;
};

type AuthRequest = {
  redirectUri: string;
  state: string | undefined;
  codeChallenge: string | undefined;
  organizationId: string | undefined;
  screenHint: string | undefined;
  expiresAt: number;
};
type AuthCode = {
  userId: string;
  organizationId: string | undefined;
  codeChallenge: string | undefined;
  expiresAt: number;
  used: boolean;
};
type RefreshGrant = { sessionId: string; used: boolean };
type PendingAuthentication = { userId: string; expiresAt: number; used: boolean };

/** Addresses that end a login with error=access_denied instead of signing in. */
export const DENY_LOGIN_HINT_PREFIX = 'deny@';

export function createAuthKit(deps: {
  store: Store;
  clock: Clock;
  key: SigningKey;
  clientId: string;
  apiKey: string;
  issuer: () => string;
  redirectUris: string[] | undefined;
  accessTokenTtlSeconds: number;
  counts: AuthCounts;
}) {
  const { store, clock, key, clientId, apiKey, counts } = deps;
  let accessTokenTtlSeconds = deps.accessTokenTtlSeconds;
  const authRequests = new Map<string, AuthRequest>();
  const codes = new Map<string, AuthCode>();
  const refreshGrants = new Map<string, RefreshGrant>();
  const pending = new Map<string, PendingAuthentication>();

  function isAllowedRedirect(uri: string): boolean {
    if (deps.redirectUris) return deps.redirectUris.includes(uri);
    try {
      const url = new URL(uri);
      return (
        (url.protocol === 'http:' || url.protocol === 'https:') &&
        (url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname.endsWith('.localhost'))
      );
    } catch {
      return false;
    }
  }

  function isAllowedReturnTo(uri: string): boolean {
    if (isAllowedRedirect(uri)) return true;
    try {
      const origin = new URL(uri).origin;
      return (deps.redirectUris ?? []).some((allowed) => new URL(allowed).origin === origin);
    } catch {
      return false;
    }
  }

  function errorPage(status: number, title: string, detail: string): Reply {
    return html(status, page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(detail)}</p>`));
  }

  function redirectBack(request: AuthRequest, params: Record<string, string>): Reply {
    const url = new URL(request.redirectUri);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    if (request.state !== undefined) url.searchParams.set('state', request.state);
    return redirect(url.toString());
  }

  function deny(request: AuthRequest, description: string): Reply {
    return redirectBack(request, { error: 'access_denied', error_description: description });
  }

  function issueCode(request: AuthRequest, user: UserJson): Reply {
    if (request.organizationId && !store.activeMembership(user.id, request.organizationId)) {
      return deny(request, 'The user is not a member of the requested organization.');
    }
    const code = opaqueToken(18);
    codes.set(code, {
      userId: user.id,
      organizationId: request.organizationId,
      codeChallenge: request.codeChallenge,
      expiresAt: clock.now() + CODE_TTL_MS,
      used: false,
    });
    return redirectBack(request, { code });
  }

  function loginPage(requestId: string, request: AuthRequest, notice?: string): Reply {
    const users = store.listUsers();
    const org = request.organizationId ? store.findOrganization(request.organizationId) : undefined;
    const link = (params: Record<string, string>) =>
      `/user_management/authorize/complete?${new URLSearchParams({ request: requestId, ...params })}`;
    const items = users
      .map((u) => {
        const orgs = store
          .activeMembershipsOf(u.id)
          .map((m) => `${m.organization_name} (${m.role.slug})`)
          .join(', ');
        const name = [u.first_name, u.last_name].filter(Boolean).join(' ') || u.email;
        return `<li><a class="button primary" href="${escapeHtml(link({ user_id: u.id }))}">Sign in as ${escapeHtml(name)}</a>
<span class="muted">${escapeHtml(u.email)}${orgs ? ` · ${escapeHtml(orgs)}` : ' · no organization'}</span></li>`;
      })
      .join('\n');
    const body = `<h1>${request.screenHint === 'sign-up' ? 'Sign up' : 'Sign in'} (WorkOS emulator)</h1>
${notice ? `<p class="note">${escapeHtml(notice)}</p>` : ''}
${org ? `<p>Organization: <strong>${escapeHtml(org.name)}</strong></p>` : ''}
<ul style="list-style:none;padding:0">${items || '<li class="muted">No users yet.</li>'}</ul>
<form method="get" action="/user_management/authorize/complete">
<input type="hidden" name="request" value="${escapeHtml(requestId)}">
<label>New account: <input type="email" name="email" required placeholder="you@example.com" aria-label="email"></label>
<button class="button">Sign up with this email</button></form>
<p><a class="button" href="${escapeHtml(link({ deny: '1' }))}">Deny</a></p>`;
    return html(200, page('Sign in', body));
  }

  function authorize(req: Request): Reply {
    const q = req.query;
    if (q.get('client_id') !== clientId) {
      return errorPage(400, 'Invalid client', `Unknown client_id '${q.get('client_id') ?? ''}'.`);
    }
    const redirectUri = q.get('redirect_uri') ?? '';
    if (!isAllowedRedirect(redirectUri)) {
      return errorPage(400, 'Invalid redirect URI', `'${redirectUri}' is not an allowed redirect_uri.`);
    }
    const request: AuthRequest = {
      redirectUri,
      state: q.get('state') ?? undefined,
      codeChallenge: q.get('code_challenge') || undefined,
      organizationId: q.get('organization_id') || undefined,
      screenHint: q.get('screen_hint') || undefined,
      expiresAt: clock.now() + AUTH_REQUEST_TTL_MS,
    };
    if (q.get('response_type') !== 'code') {
      return redirectBack(request, {
        error: 'unsupported_response_type',
        error_description: "response_type must be 'code'.",
      });
    }
    if (request.codeChallenge && (q.get('code_challenge_method') ?? 'S256') !== 'S256') {
      return redirectBack(request, {
        error: 'invalid_request',
        error_description: "code_challenge_method must be 'S256'.",
      });
    }
    if (request.organizationId && !store.findOrganization(request.organizationId)) {
      return redirectBack(request, {
        error: 'invalid_request',
        error_description: `Organization '${request.organizationId}' not found.`,
      });
    }
    counts.authorizations++;
    const loginHint = (q.get('login_hint') ?? '').trim().toLowerCase();
    if (loginHint.startsWith(DENY_LOGIN_HINT_PREFIX)) return deny(request, 'The user denied the request.');
    const requestId = opaqueToken(12);
    authRequests.set(requestId, request);
    if (loginHint) {
      const user = store.findUserByEmail(loginHint);
      if (user) return issueCode(request, user);
      if (request.screenHint === 'sign-up') return issueCode(request, signUp(loginHint));
      return loginPage(requestId, request, `No user with the email ${loginHint}. Pick one below.`);
    }
    return loginPage(requestId, request);
  }

  function completeAuthorization(req: Request): Reply {
    const requestId = req.query.get('request') ?? '';
    const request = authRequests.get(requestId);
    if (!request || request.expiresAt < clock.now()) {
      return errorPage(400, 'Login expired', 'This sign-in page expired. Start the login again.');
    }
    authRequests.delete(requestId);
    if (req.query.get('deny')) return deny(request, 'The user denied the request.');
    const email = (req.query.get('email') ?? '').trim().toLowerCase();
    if (email) {
      const existing = store.findUserByEmail(email);
      if (existing) return issueCode(request, existing);
      try {
        return issueCode(request, signUp(email));
      } catch (error) {
        if (!(error instanceof EmulatorHttpError)) throw error;
        authRequests.set(requestId, request);
        return loginPage(requestId, request, String(error.body.message ?? 'Sign-up failed.'));
      }
    }
    const user = store.findUser(req.query.get('user_id') ?? '');
    if (!user) return errorPage(400, 'Unknown user', 'That user does not exist (any more).');
    return issueCode(request, user);
  }

  /**
   * A new account through AuthKit's sign-up: the user is created (email verified) and every
   * pending invitation for the address is accepted, so the user lands in the inviting organization
   * with the invited role, as with WorkOS's invitation sign-up.
   */
  function signUp(email: string): UserJson {
    const user = store.createUser({ email, emailVerified: true });
    store.acceptInvitationsFor(user.id);
    return user;
  }

  function accessToken(sessionId: string, userId: string, organizationId: string | undefined): string {
    const now = Math.floor(clock.now() / 1000);
    const claims: Record<string, unknown> = { iss: deps.issuer(), sub: userId, sid: sessionId };
    if (organizationId) {
      const membership = store.activeMembership(userId, organizationId);
      const slugs = membership ? membership.roles.map((r) => r.slug) : [];
      claims.org_id = organizationId;
      claims.role = membership?.role.slug;
      claims.roles = slugs;
      claims.permissions = store.permissionsFor(slugs);
    }
    const impersonator = store.impersonatorOf(userId);
    if (impersonator) {
      claims.act = {
        sub: impersonator.email,
        ...(impersonator.reason ? { reason: impersonator.reason } : {}),
      };
    }
    claims.jti = newId('jwt');
    claims.iat = now;
    claims.exp = now + accessTokenTtlSeconds;
    return signJwt(key, claims);
  }

  function tokensFor(sessionId: string, userId: string, organizationId: string | undefined) {
    const refreshToken = opaqueToken(24);
    refreshGrants.set(refreshToken, { sessionId, used: false });
    const user = store.getUser(userId);
    const impersonator = store.impersonatorOf(userId);
    return {
      user,
      ...(organizationId ? { organization_id: organizationId } : {}),
      access_token: accessToken(sessionId, userId, organizationId),
      refresh_token: refreshToken,
      authentication_method: AUTHENTICATION_METHOD,
      ...(impersonator ? { impersonator } : {}),
    };
  }

  function notAMember(organizationId: string): EmulatorHttpError {
    return new EmulatorHttpError(403, {
      code: 'organization_membership_required',
      message: `The user is not an active member of organization '${organizationId}'.`,
    });
  }

  /** Finishes a login for a user: picks the organization (or asks for one) and opens a session. */
  function signIn(userId: string, organizationId: string | undefined, body: Record<string, unknown>) {
    const user = store.findUser(userId);
    if (!user) throw invalidGrant('The user no longer exists.');
    let orgId = organizationId;
    if (orgId) {
      if (!store.activeMembership(userId, orgId)) throw notAMember(orgId);
    } else {
      const memberships = store.activeMembershipsOf(userId);
      if (memberships.length === 1) orgId = memberships[0]?.organization_id;
      if (memberships.length > 1) {
        const token = opaqueToken(24);
        pending.set(token, { userId, expiresAt: clock.now() + PENDING_TOKEN_TTL_MS, used: false });
        throw new EmulatorHttpError(403, {
          code: 'organization_selection_required',
          message: 'The user must choose an organization to finish their authentication.',
          pending_authentication_token: token,
          organizations: memberships.map((m) => ({ id: m.organization_id, name: m.organization_name })),
          user,
        });
      }
    }
    const session = store.createSession({
      userId,
      organizationId: orgId,
      ipAddress: str(body.ip_address) ?? null,
      userAgent: str(body.user_agent) ?? null,
      authMethod: 'password',
    });
    store.touchSignIn(userId);
    return tokensFor(session.id, userId, orgId);
  }

  function verifierMatches(challenge: string, verifier: string): boolean {
    const computed = Buffer.from(createHash('sha256').update(verifier).digest('base64url'));
    const expected = Buffer.from(challenge);
    return computed.length === expected.length && timingSafeEqual(computed, expected);
  }

  function codeGrant(body: Record<string, unknown>, hasSecret: boolean) {
    const code = str(body.code) ?? '';
    const grant = codes.get(code);
    if (!grant) throw invalidGrant('The code is invalid.');
    if (grant.used) throw invalidGrant('The code has already been used.');
    grant.used = true;
    if (grant.expiresAt < clock.now()) throw invalidGrant('The code has expired.');
    const verifier = str(body.code_verifier);
    if (grant.codeChallenge) {
      if (!verifier || !verifierMatches(grant.codeChallenge, verifier)) {
        throw invalidGrant('The code_verifier does not match the code_challenge.');
      }
    } else if (verifier) {
      throw invalidGrant('A code_verifier was sent but the authorization had no code_challenge.');
    } else if (!hasSecret) {
      throw oauthError(400, 'invalid_client', 'client_secret or code_verifier is required.');
    }
    counts.codeGrants++;
    return signIn(grant.userId, grant.organizationId, body);
  }

  function refreshGrant(body: Record<string, unknown>) {
    const token = str(body.refresh_token) ?? '';
    const grant = refreshGrants.get(token);
    if (!grant) throw invalidGrant('The refresh token is invalid.');
    if (grant.used) throw invalidGrant('The refresh token has already been exchanged.');
    const session = store.findSession(grant.sessionId);
    if (!session || !store.isSessionActive(grant.sessionId)) throw invalidGrant('The session has ended.');
    const requested = str(body.organization_id) || undefined;
    if (requested && !store.activeMembership(session.user_id, requested)) throw notAMember(requested);
    let orgId = requested ?? session.organization_id ?? undefined;
    // A membership removed since the last refresh drops the organization from the token.
    if (orgId && !store.activeMembership(session.user_id, orgId)) orgId = undefined;
    grant.used = true;
    store.setSessionOrganization(session.id, orgId);
    counts.refreshGrants++;
    return tokensFor(session.id, session.user_id, orgId);
  }

  function organizationSelectionGrant(body: Record<string, unknown>) {
    const token = str(body.pending_authentication_token) ?? '';
    const entry = pending.get(token);
    if (!entry || entry.used || entry.expiresAt < clock.now()) {
      throw invalidGrant('The pending authentication token is invalid or expired.');
    }
    const orgId = str(body.organization_id);
    if (!orgId) throw oauthError(400, 'invalid_request', 'organization_id is required.');
    if (!store.activeMembership(entry.userId, orgId)) throw notAMember(orgId);
    entry.used = true;
    counts.organizationSelectionGrants++;
    return signIn(entry.userId, orgId, body);
  }

  function authenticate(req: Request): Reply {
    const body = req.body;
    if (str(body.client_id) !== clientId) {
      throw oauthError(400, 'invalid_client', `Unknown client_id '${str(body.client_id) ?? ''}'.`);
    }
    const secret = str(body.client_secret);
    if (secret !== undefined && secret !== apiKey) {
      throw oauthError(401, 'invalid_client', 'The client_secret is invalid.');
    }
    const grantType = str(body.grant_type);
    try {
      switch (grantType) {
        case 'authorization_code':
          return json(200, codeGrant(body, secret !== undefined));
        case 'refresh_token':
          return json(200, refreshGrant(body));
        case ORGANIZATION_SELECTION_GRANT:
          return json(200, organizationSelectionGrant(body));
        default:
          throw oauthError(
            400,
            'unsupported_grant_type',
            `grant_type '${grantType ?? ''}' is not supported.`,
          );
      }
    } catch (error) {
      counts.failedGrants++;
      throw error;
    }
  }

  function logout(req: Request): Reply {
    const sessionId = req.query.get('session_id');
    if (!sessionId) return errorPage(400, 'Missing session', 'session_id is required.');
    const returnTo = req.query.get('return_to');
    if (returnTo && !isAllowedReturnTo(returnTo)) {
      return errorPage(400, 'Invalid return_to', `'${returnTo}' is not an allowed logout redirect.`);
    }
    if (store.findSession(sessionId)) store.revokeSession(sessionId);
    counts.logouts++;
    if (returnTo) return redirect(returnTo);
    return html(200, page('Signed out', '<h1>Signed out</h1>'));
  }

  return {
    authorize,
    completeAuthorization,
    authenticate,
    logout,
    jwks: () => ({ keys: [key.jwk] }),
    setAccessTokenTtlSeconds(seconds: number) {
      accessTokenTtlSeconds = seconds;
    },
  };
}
