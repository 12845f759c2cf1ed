import * as z from 'zod';
import { type NotificationKind, notificationKinds } from './templates';

/**
 * `preferences.notifications` of a user: opt-outs per kind and channel, e.g.
 * `{ "role_changed": { "email": false } }`. A missing entry means on. SMS and PUSH have no
 * provider, so they cannot be configured.
 */
const channelSwitches = z.object({ email: z.boolean().optional(), in_app: z.boolean().optional() }).strict();
export const notificationPreferencesSchema = z
  .object(Object.fromEntries(notificationKinds.map((kind) => [kind, channelSwitches.optional()])))
  .strict() as z.ZodType<Partial<Record<NotificationKind, z.infer<typeof channelSwitches>>>>;

export type NotificationPreferences = z.infer<typeof notificationPreferencesSchema>;

/**
 * Issues with `preferences.notifications` when present (paths relative to `preferences`), for the
 * PATCH /me validator; empty when it is absent or valid.
 */
export function notificationPreferenceIssues(
  preferences: Record<string, unknown>,
): { path: string[]; message: string }[] {
  if (!('notifications' in preferences)) return [];
  const parsed = notificationPreferencesSchema.safeParse(preferences.notifications);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => ({
    path: ['notifications', ...issue.path.map(String)],
    message:
      issue.code !== 'unrecognized_keys'
        ? issue.message
        : issue.path.length === 0
          ? `unknown kind ${issue.keys.join(', ')}: kinds are ${notificationKinds.join(', ')}`
          : `unknown channel ${issue.keys.join(', ')}: channels are email, in_app (SMS and push have no provider yet)`,
  }));
}
