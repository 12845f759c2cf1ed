import { createWorkOS } from '@app/config/workos';
import type { Emulator } from '@app/workos-emulator';

/**
 * The real WorkOS SDK pointed at the emulator over HTTP. No retries by default, so a fault the
 * emulator injects shows at once.
 */
export function emulatorWorkOS(
  emulator: Emulator,
  options: { timeoutMs?: number; maxRetries?: number } = {},
) {
  return createWorkOS(
    {
      WORKOS_API_KEY: emulator.apiKey,
      WORKOS_CLIENT_ID: emulator.clientId,
      WORKOS_API_HOSTNAME: emulator.hostname,
      WORKOS_API_PORT: emulator.port,
      WORKOS_API_HTTPS: false,
    },
    { maxRetries: 0, ...options },
  );
}
