import { checkWorkOSSignature, SIGNATURE_TOLERANCE_MS } from '@app/sync/signature';
import { signWebhook } from '@app/workos-emulator';
import { WorkOS } from '@workos-inc/node';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

// The SDK as WorkOS publishes it: its signer is the reference our verifier must agree with.
const sdk = new WorkOS({ clientId: 'client_signature_test' }).webhooks;
const NOW = 1_760_000_000_000;

async function sdkHeader(body: string, secret: string, t: number) {
  return `t=${t}, v1=${await sdk.computeSignature(t, body, secret)}`;
}

const check = (body: string, header: string, secret: string, now = NOW) =>
  checkWorkOSSignature({ body: Buffer.from(body, 'utf8'), header, secret, now });

describe('WorkOS-Signature verification (node:crypto, no SDK)', () => {
  it('accepts every header the SDK signs, and the SDK accepts the same header', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.string({ minLength: 1, maxLength: 60 }),
        fc.integer({ min: -SIGNATURE_TOLERANCE_MS, max: SIGNATURE_TOLERANCE_MS }),
        async (body, secret, skew) => {
          const t = Date.now() + skew;
          const header = await sdkHeader(body, secret, t);
          expect(check(body, header, secret, t - skew)).toEqual({ valid: true });
          await expect(sdk.verifyHeader({ payload: body, sigHeader: header, secret })).resolves.toBe(true);
        },
      ),
      { seed: 20260412, numRuns: 200 },
    );
  });

  it('refuses an SDK-signed header for another body, another secret or another timestamp', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 200 }), async (body) => {
        const header = await sdkHeader(body, 'whsec_a', NOW);
        expect(check(`${body} `, header, 'whsec_a')).toEqual({ valid: false, reason: 'mismatch' });
        expect(check(body, header, 'whsec_b')).toEqual({ valid: false, reason: 'mismatch' });
        const moved = header.replace(`t=${NOW}`, `t=${NOW + 1}`);
        expect(check(body, moved, 'whsec_a')).toEqual({ valid: false, reason: 'mismatch' });
      }),
      { seed: 20260413, numRuns: 100 },
    );
  });

  it('agrees with the emulator that stands in for WorkOS locally', () => {
    const body = '{"id":"event_1","event":"user.created","data":{"name":"Zoë"}}';
    expect(check(body, signWebhook(body, 'whsec_e', NOW), 'whsec_e')).toEqual({ valid: true });
  });

  it('signs over the raw bytes, so a body that is not valid UTF-8 is checked as sent', async () => {
    const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    const { createHmac } = await import('node:crypto');
    const v1 = createHmac('sha256', 's').update(`${NOW}.`).update(bytes).digest('hex');
    expect(
      checkWorkOSSignature({ body: bytes, header: `t=${NOW}, v1=${v1}`, secret: 's', now: NOW }),
    ).toEqual({
      valid: true,
    });
  });

  it('refuses a timestamp more than 3 minutes away, in the past or in the future', async () => {
    const body = '{}';
    for (const skew of [-SIGNATURE_TOLERANCE_MS - 1, SIGNATURE_TOLERANCE_MS + 1, 365 * 86_400_000]) {
      const header = await sdkHeader(body, 's', NOW + skew);
      expect(check(body, header, 's')).toEqual({ valid: false, reason: 'timestamp_out_of_window' });
    }
    for (const skew of [-SIGNATURE_TOLERANCE_MS, SIGNATURE_TOLERANCE_MS]) {
      expect(check(body, await sdkHeader(body, 's', NOW + skew), 's')).toEqual({ valid: true });
    }
  });

  const malformed = [
    '',
    'garbage',
    'v1=abc',
    `t=${NOW}`,
    `t=${NOW}, v1=`,
    `t=${NOW}, v1=${'0'.repeat(63)}`,
    `t=${NOW}, v1=${'g'.repeat(64)}`,
    `t=abc, v1=${'0'.repeat(64)}`,
    `t=${NOW}, v0=${'0'.repeat(64)}`,
    `t=${NOW}, v1=${'0'.repeat(64)}, v1=${'0'.repeat(64)}`,
  ];
  for (const header of malformed) {
    it(`refuses the malformed header ${JSON.stringify(header.slice(0, 40))}`, () => {
      expect(check('{}', header, 's')).toEqual({ valid: false, reason: 'malformed' });
    });
  }
});
