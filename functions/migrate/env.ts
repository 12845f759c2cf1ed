import { schemas } from '@app/config';

/** Every variable the migrate function reads; infra/migrations.ts sets exactly these in AWS. */
export const env = { DATABASE_URL: schemas.DATABASE_URL };
