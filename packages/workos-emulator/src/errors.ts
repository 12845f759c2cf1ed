/**
 * An error the emulator answers with on the wire. `body` is exactly what WorkOS would send, so
 * the SDK maps it to the same exception class (404 NotFoundException, 422
 * UnprocessableEntityException, `{error, error_description}` OauthException, `code` +
 * authentication codes AuthenticationException...).
 */
export class EmulatorHttpError extends Error {
  override name = 'EmulatorHttpError';
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(String(body.message ?? body.error_description ?? body.error ?? `HTTP ${status}`));
  }
}

export function notFound(entity: string, id: string): EmulatorHttpError {
  return new EmulatorHttpError(404, {
    message: `${entity} not found: '${id}'.`,
    code: 'entity_not_found',
    entity_id: id,
  });
}

export function unprocessable(
  code: string,
  message: string,
  errors: { field?: string; code: string }[] = [],
): EmulatorHttpError {
  return new EmulatorHttpError(422, { code, message, errors });
}

/** WorkOS's 422 for a missing request parameter. */
export const required = (field: string) =>
  unprocessable('invalid_request_parameters', `${field} is required.`, [{ field, code: 'required' }]);

export function invalidGrant(description: string): EmulatorHttpError {
  return new EmulatorHttpError(400, { error: 'invalid_grant', error_description: description });
}

export function oauthError(status: number, error: string, description: string): EmulatorHttpError {
  return new EmulatorHttpError(status, { error, error_description: description });
}
