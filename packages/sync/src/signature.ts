import { createHmac, timingSafeEqual } from 'node:crypto';

/** WorkOS signs with a millisecond timestamp; further than this from now, either way, is refused. */
export const SIGNATURE_TOLERANCE_MS = 3 * 60 * 1000;

export type SignatureCheck =
  | { valid: true }
  | { valid: false; reason: 'malformed' | 'timestamp_out_of_window' | 'mismatch' };

/** `t=<epoch ms>, v1=<64 hex>`: WorkOS's header; any other part or shape is refused. */
const HEADER = /^\s*t=(\d{1,16})\s*,\s*v1=([0-9a-fA-F]{64})\s*$/;

/**
 * Checks a `WorkOS-Signature` header against the raw body bytes: `v1` must be the hex
 * HMAC-SHA256, keyed with the endpoint's secret, of `<t>.<body>`, compared in constant time, and `t`
 * within SIGNATURE_TOLERANCE_MS of `now`, in the past or the future (a future timestamp would
 * otherwise stay replayable until then). The WorkOS SDK's verifyHeader computes the same HMAC
 * (test/unit/sync/signature.test.ts proves the two agree) but refuses only old timestamps.
 */
export function checkWorkOSSignature(options: {
  body: Uint8Array;
  header: string;
  secret: string;
  now: number;
}): SignatureCheck {
  const match = HEADER.exec(options.header);
  if (!match) return { valid: false, reason: 'malformed' };
  const [, t = '', v1 = ''] = match;
  if (Math.abs(options.now - Number(t)) > SIGNATURE_TOLERANCE_MS) {
    return { valid: false, reason: 'timestamp_out_of_window' };
  }
  const expected = createHmac('sha256', options.secret).update(`${t}.`).update(options.body).digest();
  const given = Buffer.from(v1, 'hex');
  return timingSafeEqual(expected, given) ? { valid: true } : { valid: false, reason: 'mismatch' };
}
