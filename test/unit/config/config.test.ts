import { ConfigError, loadConfig, schemas } from '@app/config';
import { describe, expect, it } from 'vitest';

const valid = {
  WORKOS_CLIENT_ID: 'client_123',
  SESSION_SECRET: 'a'.repeat(40),
  DATABASE_URL: 'postgres://u:p@localhost:5432/app',
};
const shape = {
  WORKOS_CLIENT_ID: schemas.WORKOS_CLIENT_ID,
  SESSION_SECRET: schemas.SESSION_SECRET,
  DATABASE_URL: schemas.DATABASE_URL,
};

function failure(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(shape, env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected loadConfig to fail');
}

describe('loadConfig', () => {
  it('returns typed values when every variable is valid', () => {
    expect(loadConfig(shape, valid)).toEqual(valid);
  });

  it('names a missing WORKOS_CLIENT_ID', () => {
    const error = failure({ ...valid, WORKOS_CLIENT_ID: undefined });
    expect(error.variables).toEqual(['WORKOS_CLIENT_ID']);
    expect(error.message).toContain('WORKOS_CLIENT_ID is required');
  });

  it('treats an empty variable as missing', () => {
    expect(failure({ ...valid, WORKOS_CLIENT_ID: '' }).variables).toEqual(['WORKOS_CLIENT_ID']);
  });

  it('rejects a 20-character SESSION_SECRET without echoing it', () => {
    const secret = 'short-secret-20chars';
    expect(secret).toHaveLength(20);
    const error = failure({ ...valid, SESSION_SECRET: secret });
    expect(error.variables).toEqual(['SESSION_SECRET']);
    expect(error.message).toContain('SESSION_SECRET is invalid');
    expect(error.message).not.toContain(secret);
  });

  it('rejects a non-URL DATABASE_URL without echoing it', () => {
    const value = 'not a url with password hunter2';
    const error = failure({ ...valid, DATABASE_URL: value });
    expect(error.variables).toEqual(['DATABASE_URL']);
    expect(error.message).not.toContain('hunter2');
  });

  it('rejects a DATABASE_URL that is not postgres', () => {
    expect(failure({ ...valid, DATABASE_URL: 'mysql://u:p@h/db' }).variables).toEqual(['DATABASE_URL']);
  });

  it('lists every failing variable at once', () => {
    expect(failure({}).variables).toEqual(['WORKOS_CLIENT_ID', 'SESSION_SECRET', 'DATABASE_URL']);
  });

  it('validates only the variables a function asks for', () => {
    expect(loadConfig({ LOG_LEVEL: schemas.LOG_LEVEL }, {})).toEqual({ LOG_LEVEL: 'INFO' });
  });

  it('parses ALLOWED_REDIRECT_ORIGINS as a list of http(s) origins', () => {
    const shape = { ALLOWED_REDIRECT_ORIGINS: schemas.ALLOWED_REDIRECT_ORIGINS };
    expect(
      loadConfig(shape, { ALLOWED_REDIRECT_ORIGINS: 'https://app.example.com, http://localhost:5173' }),
    ).toEqual({ ALLOWED_REDIRECT_ORIGINS: ['https://app.example.com', 'http://localhost:5173'] });
    expect(() => loadConfig(shape, { ALLOWED_REDIRECT_ORIGINS: 'javascript:alert(1)' })).toThrow(
      /ALLOWED_REDIRECT_ORIGINS/,
    );
  });
});
