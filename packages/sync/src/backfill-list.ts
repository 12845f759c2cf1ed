import { type RetryPolicy, withRetry } from '@app/config/retry';
import * as z from 'zod';
import type { WorkOSGet } from './parents';

/** Machine-readable reasons a backfill run stopped early. */
export type BackfillErrorCode = 'INVALID_REQUEST' | 'WORKOS_API_FAILED' | 'INVALID_LIST_PAGE';

export class BackfillError extends Error {
  constructor(
    readonly code: BackfillErrorCode,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    // The code leads the message: an operator invoking the function sees it in errorMessage.
    super(`${code}: ${message}`, { cause: options.cause });
    this.name = 'BackfillError';
  }
}

const listPage = z.object({
  data: z.array(z.looseObject({ id: z.string().min(1) })),
  list_metadata: z.looseObject({ after: z.string().nullish() }),
});
export type Item = z.infer<typeof listPage>['data'][number];
export type Page = { data: Item[]; after: string | null };

export type ListOptions = {
  pageSize: number;
  retry?: Partial<RetryPolicy>;
  sleep: (ms: number) => Promise<void>;
  remainingMs?: () => number;
  onRetry: (info: { path: string; attempt: number; delayMs: number; status: number | undefined }) => void;
};

/** One page of a WorkOS list (oldest first, after `query.after`), with the shared retry rule. */
export async function listPageOf(
  workos: WorkOSGet,
  path: string,
  query: Record<string, unknown>,
  options: ListOptions,
): Promise<Page> {
  let body: unknown;
  try {
    ({ data: body } = await withRetry(
      () => workos.get(path, { query: { order: 'asc', limit: options.pageSize, ...query }, maxRetries: 0 }),
      {
        ...(options.retry ? { policy: options.retry } : {}),
        sleep: options.sleep,
        ...(options.remainingMs ? { remainingMs: options.remainingMs } : {}),
        onRetry: (info) => options.onRetry({ path, ...info }),
      },
    ));
  } catch (cause) {
    throw new BackfillError('WORKOS_API_FAILED', `WorkOS ${path} could not be read`, { cause });
  }
  const page = listPage.safeParse(body);
  if (!page.success)
    throw new BackfillError('INVALID_LIST_PAGE', `WorkOS ${path} answered an unexpected shape`);
  return { data: page.data.data, after: page.data.list_metadata.after ?? null };
}
