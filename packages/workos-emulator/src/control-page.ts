import { escapeHtml } from '@app/http/html';
import { EmulatorHttpError } from './errors';
import { html, page, type Reply, type Request, type Route, redirect, str } from './http';
import type { Store } from './store';
import type { Webhooks } from './webhooks';

const CONTROL_PATH = '/_emulator';

function form(action: string, fields: Record<string, string>, inner: string, confirm?: string): string {
  const hidden = Object.entries({ action, ...fields })
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('');
  const onsubmit = confirm ? ` onsubmit="return confirm('${escapeHtml(confirm)}')"` : '';
  return `<form class="inline" method="post" action="${CONTROL_PATH}/actions"${onsubmit}>${hidden}${inner}</form>`;
}

function render(store: Store, webhooks: Webhooks, notice: string | null): string {
  const users = store.listUsers();
  const orgs = store.listOrganizations();
  const memberships = store.listMemberships();
  const roleOptions = (selected: string) => {
    const slugs = [...new Set([...store.roleSlugs(), 'admin', 'member', selected])];
    return slugs
      .map(
        (s) =>
          `<option value="${escapeHtml(s)}"${s === selected ? ' selected' : ''}>${escapeHtml(s)}</option>`,
      )
      .join('');
  };
  const userRows = users
    .map(
      (u) => `<tr><td><code>${escapeHtml(u.id)}</code></td><td>${escapeHtml(u.email)}</td><td>
${form(
  'renameUser',
  { userId: u.id },
  `<input name="firstName" value="${escapeHtml(u.first_name)}" aria-label="first name">
<input name="lastName" value="${escapeHtml(u.last_name)}" aria-label="last name"> <button>Rename</button>`,
)}
</td><td>${form('deleteUser', { userId: u.id }, '<button>Delete</button>', `Delete ${u.email}?`)}</td></tr>`,
    )
    .join('');
  const orgRows = orgs
    .map(
      (o) => `<tr><td><code>${escapeHtml(o.id)}</code></td><td>${form(
        'renameOrganization',
        { organizationId: o.id },
        `<input name="name" value="${escapeHtml(o.name)}" aria-label="name"> <button>Rename</button>`,
      )}</td><td>${escapeHtml(o.domains.map((d) => d.domain).join(', '))}</td>
<td>${form('deleteOrganization', { organizationId: o.id }, '<button>Delete</button>', `Delete ${o.name}?`)}</td></tr>`,
    )
    .join('');
  const membershipRows = memberships
    .map(
      (
        m,
      ) => `<tr><td>${escapeHtml(store.findUser(m.user_id)?.email ?? m.user_id)}</td><td>${escapeHtml(m.organization_name)}</td>
<td>${escapeHtml(m.status)}</td><td>${form(
        'changeRole',
        { membershipId: m.id },
        `<select name="role" aria-label="role">${roleOptions(m.role.slug)}</select> <button>Change role</button>`,
      )}</td><td>${form('deleteMembership', { membershipId: m.id }, '<button>Remove</button>')}</td></tr>`,
    )
    .join('');
  const invitationRows = store
    .listInvitations()
    .map(
      (i) =>
        `<tr><td>${escapeHtml(i.email)}</td><td>${escapeHtml(
          (i.organization_id && store.findOrganization(i.organization_id)?.name) ?? i.organization_id ?? '',
        )}</td><td>${escapeHtml(i.role_slug ?? '')}</td><td>${escapeHtml(i.state)}</td><td>${escapeHtml(i.expires_at)}</td><td>${
          i.state === 'pending'
            ? `${form('acceptInvitation', { invitationId: i.id }, '<button>Accept</button>')} ${form(
                'revokeInvitation',
                { invitationId: i.id },
                '<button>Revoke</button>',
              )}`
            : ''
        }</td></tr>`,
    )
    .join('');
  const userOptions = users
    .map((u) => `<option value="${escapeHtml(u.id)}">${escapeHtml(u.email)}</option>`)
    .join('');
  const orgOptions = orgs
    .map((o) => `<option value="${escapeHtml(o.id)}">${escapeHtml(o.name)}</option>`)
    .join('');
  const deliveries = webhooks.deliveries
    .slice(-15)
    .reverse()
    .map(
      (d) =>
        `<tr><td>${escapeHtml(d.at)}</td><td>${escapeHtml(d.event)}</td><td>${escapeHtml(d.endpointUrl)}</td><td>${escapeHtml(d.status ?? d.error)}</td><td>${d.attempt}</td></tr>`,
    )
    .join('');
  return page(
    'WorkOS emulator',
    `<h1>WorkOS emulator</h1>
${notice ? `<p class="note">${escapeHtml(notice)}</p>` : ''}
<p class="muted">Changes made here go through the same code as the API: they record events and send webhooks.</p>
<h2>Users</h2><table><tr><th>id</th><th>email</th><th>name</th><th></th></tr>${userRows}</table>
<h2>Organizations</h2><table><tr><th>id</th><th>name</th><th>domains</th><th></th></tr>${orgRows}</table>
<h2>Memberships</h2><table><tr><th>user</th><th>organization</th><th>status</th><th>role</th><th></th></tr>${membershipRows}</table>
<p>${form(
      'addMembership',
      {},
      `<select name="userId" aria-label="user">${userOptions}</select>
<select name="organizationId" aria-label="organization">${orgOptions}</select>
<select name="role" aria-label="role">${roleOptions('member')}</select> <button>Add membership</button>`,
    )}</p>
<h2>Invitations</h2><p class="muted">Signing up through the AuthKit page with an invited address accepts its invitations.</p>
<table><tr><th>email</th><th>organization</th><th>role</th><th>state</th><th>expires</th><th></th></tr>${invitationRows}</table>
<p>${form(
      'sendInvitation',
      {},
      `<input type="email" name="email" aria-label="invitee email" placeholder="invitee@example.com">
<select name="organizationId" aria-label="organization">${orgOptions}</select>
<select name="role" aria-label="role">${roleOptions('member')}</select> <button>Invite</button>`,
    )}</p>
<h2>Webhooks</h2><p>${
      webhooks
        .listEndpoints()
        .map((e) => escapeHtml(e.endpoint_url))
        .join(', ') || 'No endpoint registered.'
    }${webhooks.controls.paused ? ' (paused)' : ''}</p>
<table><tr><th>at</th><th>event</th><th>endpoint</th><th>status</th><th>attempt</th></tr>${deliveries}</table>`,
  );
}

function act(store: Store, body: Record<string, unknown>): string {
  const field = (key: string) => {
    const value = str(body[key]);
    if (!value) throw new EmulatorHttpError(400, { message: `${key} is required.` });
    return value;
  };
  switch (str(body.action)) {
    case 'renameUser':
      store.updateUser(field('userId'), {
        firstName: str(body.firstName) || null,
        lastName: str(body.lastName) || null,
      });
      return 'User renamed.';
    case 'deleteUser':
      store.deleteUser(field('userId'));
      return 'User deleted.';
    case 'renameOrganization':
      store.updateOrganization(field('organizationId'), { name: field('name') });
      return 'Organization renamed.';
    case 'deleteOrganization':
      store.deleteOrganization(field('organizationId'));
      return 'Organization deleted.';
    case 'addMembership':
      store.createMembership({
        userId: field('userId'),
        organizationId: field('organizationId'),
        roleSlug: field('role'),
      });
      return 'Membership added.';
    case 'changeRole':
      store.updateMembership(field('membershipId'), { roleSlug: field('role') });
      return 'Role changed.';
    case 'deleteMembership':
      store.deleteMembership(field('membershipId'));
      return 'Membership removed.';
    case 'sendInvitation':
      store.sendInvitation({
        email: field('email'),
        organizationId: field('organizationId'),
        roleSlug: field('role'),
      });
      return 'Invitation sent.';
    case 'acceptInvitation':
      store.acceptInvitation(field('invitationId'));
      return 'Invitation accepted.';
    case 'revokeInvitation':
      store.revokeInvitation(field('invitationId'));
      return 'Invitation revoked.';
    default:
      throw new EmulatorHttpError(400, { message: 'Unknown action.' });
  }
}

/** A small HTML page for people running the local stack (no API key: it only listens on loopback). */
export function controlRoutes(store: Store, webhooks: Webhooks): Route[] {
  return [
    {
      method: 'GET',
      pattern: CONTROL_PATH,
      access: 'public',
      handler: (req: Request): Reply => html(200, render(store, webhooks, req.query.get('notice'))),
    },
    {
      method: 'POST',
      pattern: `${CONTROL_PATH}/actions`,
      access: 'public',
      handler: (req: Request): Reply => {
        // Forms only from this page: a page on another origin must not drive the emulator.
        const origin = req.headers.origin;
        if (origin && origin !== 'null' && new URL(origin).host !== req.headers.host) {
          return html(403, page('Forbidden', '<h1>Cross-origin form posts are refused.</h1>'));
        }
        let notice: string;
        try {
          notice = act(store, req.body);
        } catch (error) {
          notice = `Failed: ${(error as Error).message}`;
        }
        return redirect(`${CONTROL_PATH}?${new URLSearchParams({ notice })}`, 303);
      },
    },
  ];
}
