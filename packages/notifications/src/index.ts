// The light part, safe for every bundle (sync worker, management routes): the catalogue, the
// opt-out schema and the outbox. Delivery (SES, SQS) is ./delivery; the HTTP API is ./api.
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
export {
  type DeliveryChannel,
  deliveryChannels,
  type NotificationKind,
  notificationKinds,
  render,
  templates,
} from './templates';
