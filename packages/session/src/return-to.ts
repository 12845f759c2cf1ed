/**
 * Where a login or logout may send the browser back to: a same-site relative path, or an absolute
 * http(s) URL whose origin is allowed. Anything else (protocol-relative `//evil.com`, backslash
 * tricks, `javascript:`, encoded variants, control characters) becomes `/`. The result is ASCII:
 * anything else is percent-encoded, so it can always be written into a Location header.
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
    if (!value.startsWith('/') || value.startsWith('//') || /^\/[\\%]/.test(value)) return '/';
    return sameOriginPath(value);
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

const PROBE = 'https://return-to.invalid';

/**
 * The path as the URL parser writes it: every character outside printable ASCII percent-encoded
 * (U+2028, fullwidth or division slashes, CJK...), so it fits a Location header; still a path on
 * this origin, else `/`.
 */
function sameOriginPath(path: string): string {
  try {
    const url = new URL(path, PROBE);
    // Dot segments can collapse into `//` (`/.//evil.test`): a protocol-relative URL, not a path.
    if (url.origin !== PROBE || url.pathname.startsWith('//')) return '/';
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return '/';
  }
}

function safeOrigin(origin: string): string | undefined {
  try {
    return new URL(origin).origin;
  } catch {
    return undefined;
  }
}
