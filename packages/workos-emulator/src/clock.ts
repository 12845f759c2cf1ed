/**
 * The emulator's notion of time. Tests move it forward to expire authorization codes,
 * pending authentication tokens and sessions without sleeping. Access tokens are checked by
 * the SDK against the real clock, so expire those with a short `accessTokenTtlSeconds`.
 */
export type Clock = {
  now(): number;
  advance(ms: number): void;
  reset(): void;
};

export function createClock(): Clock {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance: (ms) => {
      offset += ms;
    },
    reset: () => {
      offset = 0;
    },
  };
}
