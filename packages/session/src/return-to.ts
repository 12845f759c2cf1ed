/**
 * Where a login or logout may send the browser back to: a same-site relative path, or an absolute
 * http(s) URL whose origin is allowed. Anything else (protocol-relative `//evil.com`, backslash
 * tricks, `javascript:`, encoded variants, control characters) becomes `/`.
 */
export function sanitizeReturnTo(value: unknown, allowedOrigins: readonly string[] = []): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return '/';
  // Decode repeatedly so an encoded `//`, `\` or scheme cannot slip through, then judge the result.
  let decoded = value;
  for (let i = 0; i < 3; i++) {
    try {
      const next = decodeURIComponent(decoded);
      if (next === decoded) break;
      decoded = next;
    } catch {
      return '/';
    }
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f\\]/.test(decoded)) return '/';
  const trimmed = decoded.trim();
  if (trimmed !== decoded) return '/';
  if (decoded.startsWith('/')) {
    if (decoded.startsWith('//')) return '/';
    return value.startsWith('/') && !value.startsWith('//') && !/^\/[\\%]/.test(value) ? value : '/';
  }
  let url: URL;
  try {
    url = new URL(decoded);
  } catch {
    return '/';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return '/';
  if (url.username || url.password) return '/';
  const allowed = new Set(allowedOrigins.map((origin) => safeOrigin(origin)).filter(Boolean));
  return allowed.has(url.origin) ? url.toString() : '/';
}

function safeOrigin(origin: string): string | undefined {
  try {
    return new URL(origin).origin;
  } catch {
    return undefined;
  }
}
