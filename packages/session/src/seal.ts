import { defaults, seal, unseal } from 'iron-webcrypto';

/**
 * Iron seals in the WorkOS SDK's cookie format (`Fe26.2*...~2`, password id "1"), so this code and the
 * SDK read each other's cookies. Used to read the session cookie (refresh token, session id of an
 * expired token) and to seal this app's own short-lived cookies (login state, pending org choice).
 */
const VERSION = 2;

export async function sealData(data: unknown, password: string): Promise<string> {
  const sealed = await seal(
    data,
    { id: '1', secret: password },
    { ...defaults, ttl: 0, encode: JSON.stringify },
  );
  return `${sealed}~${VERSION}`;
}

/** The sealed object, or undefined when the value is malformed, tampered or sealed with another password. */
export async function unsealData<T extends object>(value: string, password: string): Promise<T | undefined> {
  const [sealed = '', version] = value.split('~');
  if (!sealed.startsWith('Fe26.2*') || (version !== undefined && version !== String(VERSION)))
    return undefined;
  try {
    const data = await unseal(sealed, { 1: password }, { ...defaults, ttl: 0 });
    return data && typeof data === 'object' ? (data as T) : undefined;
  } catch {
    return undefined;
  }
}
