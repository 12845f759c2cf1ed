import { createWorkOS } from '@app/config/workos';
import { makeWorkOSApi, type WorkOSApiOptions } from '@app/config/workos-api';
import type { Emulator } from '@app/workos-emulator';

/** The WorkOS settings (as the functions read them) that point a client at the emulator. */
export const workosSettingsOf = (emulator: Emulator) => ({
  WORKOS_API_KEY: emulator.apiKey,
  WORKOS_CLIENT_ID: emulator.clientId,
  WORKOS_API_HOSTNAME: emulator.hostname,
  WORKOS_API_PORT: emulator.port,
  WORKOS_API_HTTPS: false,
});

/**
 * The real WorkOS SDK pointed at the emulator over HTTP (the auth function's client). No retries by
 * default, so a fault the emulator injects shows at once.
 */
export function emulatorWorkOS(
  emulator: Emulator,
  options: { timeoutMs?: number; maxRetries?: number } = {},
) {
  return createWorkOS(workosSettingsOf(emulator), { maxRetries: 0, ...options });
}

/**
 * The project's WorkOS REST client (every function but auth) pointed at the emulator. One attempt
 * by default, like emulatorWorkOS: a fault the emulator injects shows at once.
 */
export function emulatorWorkOSApi(emulator: Emulator, options: WorkOSApiOptions = {}) {
  return makeWorkOSApi(workosSettingsOf(emulator), { ...options, retry: { attempts: 1, ...options.retry } });
}
