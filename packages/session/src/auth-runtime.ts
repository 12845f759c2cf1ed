import { createWorkOS } from '@app/config/workos';
import { loadSessionRuntime } from './runtime';

/** The session runtime plus the WorkOS SDK client the login flows need (auth function only). */
export async function loadAuthRuntime(service: string) {
  const runtime = await loadSessionRuntime(service);
  return { ...runtime, workos: createWorkOS(runtime.config, { fetchFn: runtime.budget.fetch }) };
}
