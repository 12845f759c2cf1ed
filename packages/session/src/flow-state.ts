import { randomBytes, timingSafeEqual } from 'node:crypto';
import { sealData, unsealData } from './seal';

/**
 * Short-lived sealed values of the login flow. Each carries its kind (so one cannot stand in for
 * another) and its expiry, checked against the injected clock.
 */
export type LoginState = {
  kind: 'state';
  nonce: string;
  returnTo: string;
  organizationId?: string;
  exp: number;
};
export type VerifierCookie = { kind: 'pkce'; nonce: string; codeVerifier: string; exp: number };
export type PendingSelection = {
  kind: 'pending';
  token: string;
  // No list of the organizations offered: it grew past 4 KB for users in many organizations, and
  // WorkOS checks membership on the selection grant anyway.
  returnTo: string;
  csrf: string;
  exp: number;
};
type Sealable = LoginState | VerifierCookie | PendingSelection;

export const LOGIN_FLOW_TTL_SECONDS = 600;

export const randomToken = (bytes = 16) => randomBytes(bytes).toString('base64url');

export function sealFlow(value: Sealable, password: string): Promise<string> {
  return sealData(value, password);
}

/** The sealed value when it is of that kind and not expired; undefined otherwise. */
export async function openFlow<K extends Sealable['kind']>(
  sealed: string | undefined,
  kind: K,
  password: string,
  now: number,
): Promise<Extract<Sealable, { kind: K }> | undefined> {
  if (!sealed || sealed.length > 8192) return undefined;
  const value = await unsealData<Sealable>(sealed, password);
  if (!value || value.kind !== kind || typeof value.exp !== 'number' || value.exp <= now) return undefined;
  return value as Extract<Sealable, { kind: K }>;
}

export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
