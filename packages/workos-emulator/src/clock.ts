/**
 * The emulator's notion of time. Tests move it forward to expire authorization codes,
 * pending authentication tokens and sessions without sleeping. Access tokens are checked by
 * the SDK against the real clock, so expire those with a short `accessTokenTtlSeconds`.
 */
export type Clock = {
  now(): number;
  advance(ms: number): void;
  /** Stops time (until `advance` or `resume`): changes made meanwhile share one millisecond, as WorkOS's can. */
  freeze(): void;
  resume(): void;
  reset(): void;
};

export function createClock(): Clock {
  let offset = 0;
  let frozenAt: number | undefined;
  return {
    now: () => frozenAt ?? Date.now() + offset,
    advance: (ms) => {
      offset += ms;
      if (frozenAt !== undefined) frozenAt += ms;
    },
    freeze: () => {
      frozenAt = Date.now() + offset;
    },
    resume: () => {
      frozenAt = undefined;
    },
    reset: () => {
      offset = 0;
      frozenAt = undefined;
    },
  };
}
