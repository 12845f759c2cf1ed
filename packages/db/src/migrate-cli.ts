import { loadConfig, schemas } from '@app/config';
import { runMigrations } from './migrate';

const { DATABASE_URL } = loadConfig({ DATABASE_URL: schemas.DATABASE_URL });
const started = performance.now();
await runMigrations(DATABASE_URL);
console.log(`migrations applied in ${Math.round(performance.now() - started)} ms`);
