import { type Database, notifications } from '@app/db';
import { httpError, keysetCursor, pageQueryFields, parsePageQuery } from '@app/http';
import { and, count, desc, eq, isNull, sql } from 'drizzle-orm';
import * as z from 'zod';

export const NOTIFICATIONS_DEFAULT_LIMIT = 20;
export const NOTIFICATIONS_MAX_LIMIT = 100;

/** Where a page starts: after this (created_at, id), newest first. */
type Cursor = { createdAt: string; id: string };

const cursor = keysetCursor(z.tuple([z.iso.datetime({ offset: true }), z.uuid()]), 512);

const encodeCursor = (c: Cursor) => cursor.encode([c.createdAt, c.id]);

function decodeCursor(value: string): Cursor | undefined {
  const key = cursor.decode(value);
  return key ? { createdAt: key[0], id: key[1] } : undefined;
}

/** A notification as the API shows it (GET /notifications, POST /notifications/{id}/read). */
export const notificationSchema = z.object({
  id: z.uuid(),
  kind: z.string().nullable(),
  channel: z.enum(['EMAIL', 'SMS', 'PUSH', 'IN_APP']),
  status: z.enum(['PENDING', 'QUEUED', 'PROCESSING', 'SENT', 'FAILED', 'CANCELLED']),
  subject: z.string(),
  message: z.string(),
  organizationId: z.string().nullable(),
  createdAt: z.string(),
  readAt: z.string().nullable(),
  sentAt: z.string().nullable(),
});
export const notificationsPageSchema = z.object({
  notifications: z.array(notificationSchema),
  unread: z.number().int(),
  nextCursor: z.string().nullable(),
});
export const readAllSchema = z.object({ marked: z.number().int() });

/** The query GET /notifications accepts (for the OpenAPI document too). */
export const listQuery = z
  .object({
    ...pageQueryFields({ max: NOTIFICATIONS_MAX_LIMIT, default: NOTIFICATIONS_DEFAULT_LIMIT }, decodeCursor),
    unread: z.enum(['true', 'false'], { error: 'must be true or false' }).optional(),
    channel: z
      .string()
      .optional()
      .superRefine((value, ctx) => {
        if (value === 'SMS' || value === 'PUSH') {
          ctx.addIssue({
            code: 'custom',
            message: `${value} has no provider yet: channels are IN_APP, EMAIL`,
          });
        } else if (value !== undefined && value !== 'IN_APP' && value !== 'EMAIL') {
          ctx.addIssue({ code: 'custom', message: 'must be IN_APP or EMAIL' });
        }
      }),
  })
  .strip();

export type ListQuery = {
  limit: number;
  unreadOnly: boolean;
  channel: 'IN_APP' | 'EMAIL';
  cursor: Cursor | undefined;
};

/** `?limit=1..100&unread=true&channel=IN_APP|EMAIL&cursor=<opaque>`; a bad value -> 400 VALIDATION_FAILED. */
export function parseListQuery(query: Record<string, string | undefined> | undefined): ListQuery {
  const parsed = parsePageQuery(listQuery, query, 'Invalid notifications query');
  return {
    limit: parsed.limit,
    unreadOnly: parsed.unread === 'true',
    channel: (parsed.channel as 'IN_APP' | 'EMAIL' | undefined) ?? 'IN_APP',
    cursor: parsed.cursor,
  };
}

const n = notifications;
const columns = {
  id: n.id,
  channel: n.type,
  status: n.status,
  subject: n.subject,
  message: n.message,
  metadata: n.metadata,
  createdAt: sql<string>`to_char(${n.createdAt} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
  readAt: n.readAt,
  sentAt: n.sentAt,
};

type Row = {
  id: string;
  channel: string;
  status: string;
  subject: string;
  message: string;
  metadata: Record<string, unknown> | null;
  createdAt: string;
  readAt: Date | null;
  sentAt: Date | null;
};

/** A notification as the API shows it: the delivery's error message stays in the database. */
const present = (r: Row) => ({
  id: r.id,
  kind: (r.metadata?.kind as string | undefined) ?? null,
  channel: r.channel,
  status: r.status,
  subject: r.subject,
  message: r.message,
  organizationId: (r.metadata?.organizationId as string | undefined) ?? null,
  createdAt: r.createdAt,
  readAt: r.readAt?.toISOString() ?? null,
  sentAt: r.sentAt?.toISOString() ?? null,
});

export type NotificationView = ReturnType<typeof present>;

/** The current user's notifications: list, mark one read, mark all read. */
export function makeNotificationsApi(deps: { db: Database }) {
  const { db } = deps;

  async function list(userId: string, query: ListQuery) {
    const { limit, cursor, channel } = query;
    const rows = (await db
      .select(columns)
      .from(n)
      .where(
        and(
          eq(n.userId, userId),
          eq(n.type, channel),
          query.unreadOnly ? isNull(n.readAt) : undefined,
          cursor
            ? sql`(${n.createdAt}, ${n.id}) < (${cursor.createdAt}::timestamptz, ${cursor.id}::uuid)`
            : undefined,
        ),
      )
      .orderBy(desc(n.createdAt), desc(n.id))
      .limit(limit + 1)) as Row[];
    const [unread] = await db
      .select({ count: count() })
      .from(n)
      .where(and(eq(n.userId, userId), eq(n.type, 'IN_APP'), isNull(n.readAt)));
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      notifications: page.map(present),
      unread: unread?.count ?? 0,
      nextCursor:
        rows.length > limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
    };
  }

  /** Marks one of the user's in-app notifications read (idempotent); NOT_FOUND when it is not theirs. */
  async function markRead(userId: string, id: string) {
    if (!z.uuid().safeParse(id).success) throw httpError('NOT_FOUND', 'No such notification');
    const [row] = (await db
      .update(n)
      .set({ readAt: sql`coalesce(${n.readAt}, now())` })
      .where(and(eq(n.id, id), eq(n.userId, userId), eq(n.type, 'IN_APP')))
      .returning(columns)) as Row[];
    if (!row) throw httpError('NOT_FOUND', 'No such notification');
    return present(row);
  }

  /** Marks every unread in-app notification of the user read; says how many changed. */
  async function markAllRead(userId: string) {
    const rows = await db
      .update(n)
      .set({ readAt: sql`now()` })
      .where(and(eq(n.userId, userId), eq(n.type, 'IN_APP'), isNull(n.readAt)))
      .returning({ id: n.id });
    return { marked: rows.length };
  }

  return { list, markRead, markAllRead };
}
