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

export function decodeClaims(token: string | undefined): AccessTokenClaims | undefined {
  const payload = token?.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return claims && typeof claims === 'object' ? (claims as AccessTokenClaims) : undefined;
  } catch {
    return undefined;
  }
}
