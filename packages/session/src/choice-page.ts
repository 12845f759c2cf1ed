import { escapeHtml } from '@app/http';

/** Allows the page's own inline style and a form post back to this site; nothing else. */
export const CHOICE_PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * The organization choice after a login WorkOS answered with organization_selection_required. The
 * pending token is not in the page: it stays in the sealed cookie; the form carries a CSRF token
 * bound to that cookie.
 */
export function organizationChoicePage(input: {
  organizations: { id: string; name: string }[];
  csrf: string;
  action: string;
  email?: string | undefined;
}): string {
  const buttons = input.organizations
    .map(
      (org) =>
        `<li><button type="submit" name="organizationId" value="${escapeHtml(org.id)}">${escapeHtml(org.name)}</button></li>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Choose an organization</title>
<style>
body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#1f2937}
ul{list-style:none;padding:0}li{margin:.5rem 0}
button{width:100%;padding:.75rem 1rem;font-size:1rem;text-align:left;border:1px solid #d1d5db;border-radius:.5rem;background:#fff;cursor:pointer}
button:hover{border-color:#6366f1}
</style>
</head>
<body>
<h1>Choose an organization</h1>
${input.email ? `<p>Signed in as ${escapeHtml(input.email)}. Which organization do you want to use?</p>` : '<p>Which organization do you want to use?</p>'}
<form method="post" action="${escapeHtml(input.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrf)}">
<ul>
${buttons}
</ul>
</form>
</body>
</html>`;
}
