export { DENY_LOGIN_HINT_PREFIX, ORGANIZATION_SELECTION_GRANT } from './authkit';
export type { Clock } from './clock';
export { EmulatorHttpError } from './errors';
export type { FaultSpec, Faults } from './faults';
export { decodeJwtClaims } from './jwt';
export { applySeed, demoSeed } from './seed';
export { type Emulator, type EmulatorCounts, type EmulatorOptions, startEmulator } from './server';
export type { Store } from './store';
export type * from './types';
export {
  type DeliveryRecord,
  signWebhook,
  type WebhookEndpointInput,
  type WebhookRetryOptions,
} from './webhooks';
