import { decodeJwt } from 'jose';

/** Claims of a WorkOS access token. Decoding does not verify: call it only on a token from a sealed cookie. */
export type AccessTokenClaims = {
  sub?: string;
  sid?: string;
  org_id?: string;
  role?: string;
  roles?: string[];
  permissions?: string[];
  entitlements?: string[];
  feature_flags?: string[];
  act?: { sub?: string; reason?: string };
  exp?: number;
  iat?: number;
};

/** jose's decoder (no verification); undefined for a missing or malformed token. */
export function decodeClaims(token: string | undefined): AccessTokenClaims | undefined {
  if (!token) return undefined;
  try {
    return decodeJwt(token) as AccessTokenClaims;
  } catch {
    return undefined;
  }
}
