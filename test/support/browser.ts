import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's Chromium; CI installs it (.ci/run). CHROMIUM_PATH overrides. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Launches headless Chromium, or fails with what to install: a browser test never skips silently. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. Install it (Debian: apt-get install chromium) or set CHROMIUM_PATH.`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export type MeResponse = {
  status: number;
  body: {
    success: boolean;
    data?: {
      user: {
        email: string;
        firstName: string | null;
        lastName: string | null;
        bio: string | null;
        timezone: string | null;
        preferences: Record<string, unknown>;
      };
      memberships: { role: string; organization: { workosOrgId: string; slug: string; name: string } }[];
      session: { organizationId: string | null; role: string | null; permissions: string[] };
    };
    error?: { code: string; message: string };
  };
};

/** GET /me from inside the page, with the browser's own cookies. */
export function fetchMe(page: Page): Promise<MeResponse> {
  return page.evaluate(async () => {
    const response = await fetch('/me', { headers: { accept: 'application/json' } });
    return { status: response.status, body: await response.json() };
  });
}

/** Polls `read` until `done` accepts its value, or fails after `timeoutMs` with the last value seen. */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  for (;;) {
    last = await read();
    if (done(last)) return last;
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
