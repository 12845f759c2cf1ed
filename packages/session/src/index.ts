export { loginQuery, selectOrganizationForm, switchBody } from './auth-schemas';
export {
  type CookieSettings,
  clearCookie,
  HOST_SESSION_COOKIE,
  PENDING_COOKIE,
  PKCE_COOKIE_PREFIX,
  SESSION_COOKIE,
  serializeCookie,
  sessionCookieName,
} from './cookies';
export { type AccessTokenClaims, decodeClaims } from './jwt';
export {
  type OrganizationSelector,
  organizationOf,
  type RequestOrganization,
  type RequestSession,
  requireOrganization,
  requirePermission,
  requireRole,
  requireSession,
  type SessionContext,
  sessionOf,
  tenantOf,
  tenantSelector,
  tenantSlugFromHost,
} from './middleware';
export {
  makeProfile,
  type Profile,
  type ProfilePatch,
  parseProfilePatch,
  profilePatchSchema,
  publicUser,
} from './profile';
export { sanitizeReturnTo } from './return-to';
export { sealData, unsealData } from './seal';
export { type SessionRouteDeps, sessionRoutes } from './session-routes';
export {
  type AuthenticatedSession,
  makeSessions,
  type RefreshOutcome,
  type SessionFacts,
  type Sessions,
  type SessionsOptions,
} from './sessions';
export { type OrganizationSnapshot, recordOrganization } from './sign-in-sync';
export {
  makeSessionApi,
  type RefreshFailureReason,
  type RefreshResult,
  type SessionApi,
  SessionApiError,
  type SessionApiErrorCode,
  type SessionApiOptions,
} from './workos-session';
