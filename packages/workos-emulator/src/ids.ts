import { randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

let lastTime = -1;
let lastRandom: number[] = [];

function encodeTime(ms: number): string {
  let out = '';
  let rest = ms;
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function freshRandom(): number[] {
  return [...randomBytes(16)].map((b) => b % 32);
}

function increment(digits: number[]): number[] {
  const next = [...digits];
  for (let i = next.length - 1; i >= 0; i--) {
    const d = next[i] ?? 0;
    if (d < 31) {
      next[i] = d + 1;
      return next;
    }
    next[i] = 0;
  }
  return next;
}

/**
 * A ULID (26 Crockford base32 characters), monotonic inside this process so ids sort in
 * creation order even within one millisecond: cursors and "order" rely on that.
 */
export function ulid(): string {
  const now = Math.max(Date.now(), lastTime);
  lastRandom = now === lastTime ? increment(lastRandom) : freshRandom();
  lastTime = now;
  return encodeTime(now) + lastRandom.map((d) => CROCKFORD[d]).join('');
}

export function newId(prefix: string): string {
  return `${prefix}_${ulid()}`;
}

/** Opaque secret-looking token (authorization codes, refresh tokens, pending tokens). */
export function opaqueToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}
