export { type Delivery, type DeliveryDeps, type DeliveryOutcome, makeDelivery, sesReason } from './delivery';
export { backoffSeconds, makeNotifier, type NotifierDeps } from './notifier';
export {
  emailIds,
  invitationStatement,
  type MembershipChange,
  membershipChangeStatement,
  type OrganizationChange,
  type OutboxRows,
  organizationChangeStatement,
  writeOutbox,
} from './outbox';
export {
  type NotificationPreferences,
  notificationPreferenceIssues,
  notificationPreferencesSchema,
} from './preferences';
export { type EnqueueNotifications, makeNotificationQueue } from './queue';
export { type SweepDeps, sweepOutbox } from './sweep';
export {
  type DeliveryChannel,
  deliveryChannels,
  type NotificationKind,
  notificationKinds,
  render,
  templates,
} from './templates';
