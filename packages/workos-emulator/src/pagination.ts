import { unprocessable } from './errors';

export type PageQuery = {
  limit?: string | null;
  before?: string | null;
  after?: string | null;
  order?: string | null;
};
export type ListEnvelope<T> = {
  object: 'list';
  data: T[];
  list_metadata: { before: string | null; after: string | null };
};

export function parseLimit(raw: string | null | undefined, fallback = 10): number {
  if (raw === null || raw === undefined || raw === '') return fallback;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw unprocessable('invalid_request_parameters', 'limit must be an integer between 1 and 100.', [
      { field: 'limit', code: 'invalid' },
    ]);
  }
  return limit;
}

export function parseOrder(raw: string | null | undefined, fallback: 'asc' | 'desc'): 'asc' | 'desc' {
  if (raw === null || raw === undefined || raw === '') return fallback;
  if (raw === 'asc' || raw === 'desc') return raw;
  if (raw === 'normal') return 'desc';
  throw unprocessable('invalid_request_parameters', "order must be 'asc' or 'desc'.", [
    { field: 'order', code: 'invalid' },
  ]);
}

/**
 * WorkOS cursor pagination over items kept in creation order. `seqOf` gives the creation rank of
 * any id ever issued (deleted ones too), so a cursor stays valid after its item is deleted.
 * list_metadata.after/before are the ids to pass to get the next/previous page, or null.
 */
export function paginate<T extends { id: string }>(
  itemsInCreationOrder: T[],
  query: PageQuery,
  seqOf: (id: string) => number | undefined,
  defaultOrder: 'asc' | 'desc' = 'desc',
): ListEnvelope<T> {
  const limit = parseLimit(query.limit);
  const order = parseOrder(query.order, defaultOrder);
  const ordered = order === 'asc' ? itemsInCreationOrder : [...itemsInCreationOrder].reverse();
  const rank = (id: string) => {
    const seq = seqOf(id);
    if (seq === undefined) {
      throw unprocessable('invalid_request_parameters', `Unknown cursor '${id}'.`, [
        { field: 'after', code: 'invalid' },
      ]);
    }
    return order === 'asc' ? seq : -seq;
  };
  let window = ordered;
  if (query.after) {
    const cursor = rank(query.after);
    window = window.filter((item) => rank(item.id) > cursor);
  }
  let data: T[];
  let hasMoreAfter: boolean;
  let hasMoreBefore: boolean;
  if (query.before) {
    const cursor = rank(query.before);
    window = window.filter((item) => rank(item.id) < cursor);
    data = window.slice(Math.max(0, window.length - limit));
    hasMoreBefore = window.length > limit;
    hasMoreAfter = true;
  } else {
    data = window.slice(0, limit);
    hasMoreAfter = window.length > limit;
    hasMoreBefore = Boolean(query.after);
  }
  return {
    object: 'list',
    data,
    list_metadata: {
      before: hasMoreBefore && data.length > 0 ? (data[0]?.id ?? null) : null,
      after: hasMoreAfter && data.length > 0 ? (data[data.length - 1]?.id ?? null) : null,
    },
  };
}
