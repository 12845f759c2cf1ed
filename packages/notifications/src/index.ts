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
