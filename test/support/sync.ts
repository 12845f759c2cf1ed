import { makeSyncWorker, type SyncWorkerDeps } from '@app/sync';
import { type EmulatorOptions, startEmulator } from '@app/workos-emulator';
import { createTestDatabase } from './db';
import { emulatorWorkOS, emulatorWorkOSApi } from './workos';

/**
 * The sync worker between a fresh migrated database and the WorkOS emulator (which it asks for
 * parents). Call in beforeAll; `stop()` in afterAll.
 */
export async function startSyncWorker(
  options: {
    dbMax?: number;
    emulator?: EmulatorOptions;
    enqueueNotifications?: SyncWorkerDeps['enqueueNotifications'];
  } = {},
) {
  const [t, emulator] = await Promise.all([
    createTestDatabase(options.dbMax ? { max: options.dbMax } : {}),
    startEmulator(options.emulator ?? {}),
  ]);
  const workos = emulatorWorkOSApi(emulator);
  // The SDK only where the auth function's code needs it (the webhook's signature check).
  const sdk = emulatorWorkOS(emulator);
  const worker = makeSyncWorker({
    db: t.db,
    workos,
    ...(options.enqueueNotifications ? { enqueueNotifications: options.enqueueNotifications } : {}),
  });
  const stop = async () => {
    await Promise.all([t.drop(), emulator.stop()]);
  };
  return { t, emulator, workos, sdk, worker, stop };
}

export type SyncWorkerBed = Awaited<ReturnType<typeof startSyncWorker>>;
