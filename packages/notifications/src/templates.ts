/**
 * THE notification catalogue: what notifies, on which channels, with which words. The outbox
 * statements render these same strings in SQL (see outbox.ts), so a text lives here only.
 * Placeholders: {organization}, {role}, {previousRole}, {previousName}.
 */
export const notificationKinds = [
  'member_added',
  'role_changed',
  'member_removed',
  'invited',
  'organization_renamed',
] as const;
export type NotificationKind = (typeof notificationKinds)[number];

/** Channels that have a provider. SMS and PUSH stay in the database enum and are refused by the API. */
export const deliveryChannels = ['EMAIL', 'IN_APP'] as const;
export type DeliveryChannel = (typeof deliveryChannels)[number];

/** The key a channel has in `preferences.notifications.<kind>`. */
export const preferenceKey = { EMAIL: 'email', IN_APP: 'in_app' } as const satisfies Record<
  DeliveryChannel,
  string
>;

export type Template = { channels: readonly DeliveryChannel[]; subject: string; text: string };

export const templates: Record<NotificationKind, Template> = {
  member_added: {
    channels: ['EMAIL', 'IN_APP'],
    subject: 'You were added to {organization}',
    text: 'You are now a member of {organization} with the role {role}.',
  },
  role_changed: {
    channels: ['EMAIL', 'IN_APP'],
    subject: 'Your role in {organization} changed',
    text: 'Your role in {organization} changed from {previousRole} to {role}.',
  },
  member_removed: {
    channels: ['EMAIL', 'IN_APP'],
    subject: 'You were removed from {organization}',
    text: 'You are no longer a member of {organization}.',
  },
  // The invitation itself is WorkOS's email: here only the in-app note.
  invited: {
    channels: ['IN_APP'],
    subject: 'You were invited to {organization}',
    text: 'You were invited to join {organization} as {role}. The invitation email comes from WorkOS.',
  },
  organization_renamed: {
    channels: ['EMAIL', 'IN_APP'],
    subject: '{previousName} is now {organization}',
    text: 'The organization {previousName} was renamed to {organization}.',
  },
};

export const placeholders = ['organization', 'role', 'previousRole', 'previousName'] as const;
export type TemplateVars = Partial<Record<(typeof placeholders)[number], string>>;

/** A template's subject and text with its placeholders filled (a missing value renders empty). */
export function render(kind: NotificationKind, vars: TemplateVars): { subject: string; text: string } {
  const fill = (s: string) => s.replace(/\{(\w+)\}/g, (_, name: keyof TemplateVars) => vars[name] ?? '');
  const t = templates[kind];
  return { subject: fill(t.subject), text: fill(t.text) };
}

/** The catalogue as the JSON the outbox statements read (kind -> { channels, subject, text }). */
export const templatesJson = JSON.stringify(templates);
