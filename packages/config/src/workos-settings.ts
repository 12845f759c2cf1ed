/**
 * Where the WorkOS API lives, from the environment. Kept apart from the SDK client factory
 * (./workos) so functions that only verify and refresh sessions can read it without loading the SDK.
 */
export type WorkOSSettings = {
  WORKOS_API_KEY?: string | undefined;
  WORKOS_CLIENT_ID?: string | undefined;
  WORKOS_API_HOSTNAME?: string | undefined;
  WORKOS_API_PORT?: number | undefined;
  WORKOS_API_HTTPS?: boolean | undefined;
};

export const DEFAULT_WORKOS_HOSTNAME = 'api.workos.com';

/** The API base URL the SDK builds from the same settings: https://api.workos.com unless overridden. */
export function workosBaseUrl(settings: WorkOSSettings): string {
  const protocol = settings.WORKOS_API_HTTPS === false ? 'http' : 'https';
  const host = settings.WORKOS_API_HOSTNAME || DEFAULT_WORKOS_HOSTNAME;
  return `${protocol}://${host}${settings.WORKOS_API_PORT ? `:${settings.WORKOS_API_PORT}` : ''}`;
}
