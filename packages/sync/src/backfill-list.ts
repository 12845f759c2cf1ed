import * as z from 'zod';
import type { WorkOSGet } from './parents';
import { type PageReadOptions, RunError, readPage } from './workos-reads';

/** Machine-readable reasons a backfill run stopped early. */
export type BackfillErrorCode = 'INVALID_REQUEST' | 'WORKOS_API_FAILED' | 'INVALID_LIST_PAGE';

export class BackfillError extends RunError<BackfillErrorCode> {
  override name = 'BackfillError';
}

const listPage = z.object({
  data: z.array(z.looseObject({ id: z.string().min(1) })),
  list_metadata: z.looseObject({ after: z.string().nullish() }),
});
export type Item = z.infer<typeof listPage>['data'][number];
export type Page = { data: Item[]; after: string | null };

export type ListOptions = Omit<PageReadOptions, 'onRetry'> & {
  pageSize: number;
  onRetry: (info: { path: string; attempt: number; delayMs: number; status: number | undefined }) => void;
};

/** One page of a WorkOS list (oldest first, after `query.after`), with the shared retry rule. */
export async function listPageOf(
  workos: WorkOSGet,
  path: string,
  query: Record<string, string>,
  options: ListOptions,
): Promise<Page> {
  const page = await readPage(workos, path, { order: 'asc', limit: options.pageSize, ...query }, listPage, {
    ...options,
    onRetry: (info) => options.onRetry({ path, ...info }),
    failed: (cause) => new BackfillError('WORKOS_API_FAILED', `WorkOS ${path} could not be read`, { cause }),
    invalid: () => new BackfillError('INVALID_LIST_PAGE', `WorkOS ${path} answered an unexpected shape`),
  });
  return { data: page.data, after: page.list_metadata.after ?? null };
}
