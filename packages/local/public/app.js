// The demo front end: plain DOM, same-origin fetches to the API, no framework and no build.
// Data from the API only ever reaches the page through textContent/value, never as markup.

const ADMIN_ROLES = new Set(['ADMIN', 'OWNER']);

const byId = (id) => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`missing #${id}`);
  return element;
};

class ApiError extends Error {
  constructor(status, error) {
    super(error.message);
    this.name = 'ApiError';
    this.status = status;
    this.code = error.code;
    this.fields = error.fields ?? [];
  }
}

/** One call to the API: the `{ success, data }` envelope unwrapped, its error thrown as ApiError. */
async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin' };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    // Not JSON (e.g. a proxy error page): reported below by status.
  }
  if (response.ok && payload?.success) return payload.data;
  throw new ApiError(
    response.status,
    payload?.error ?? { code: `HTTP_${response.status}`, message: `Request failed (${response.status})` },
  );
}

const state = { me: null, organization: null, membersCursor: null, roles: [] };

// WorkOS permissions the organization routes check (packages/organizations/src/permissions.ts).
const MEMBERS_READ = 'members:read';
const MEMBERS_WRITE = 'members:write';
/** What the session's token grants in the organization on screen (it is always the session's). */
const can = (permission) => Boolean(state.me?.session.permissions?.includes(permission));

function show(id, visible) {
  byId(id).hidden = !visible;
}

function banner(message) {
  const element = byId('banner');
  element.textContent = message ?? '';
  element.hidden = !message;
}

const fullName = (person) =>
  [person.firstName, person.lastName].filter(Boolean).join(' ') || person.email || '(no name)';

function setImage(id, url) {
  const image = byId(id);
  if (url) image.src = url;
  else image.removeAttribute('src');
  image.hidden = !url;
}

// ---- forms: field errors and status ----

function clearErrors(form) {
  for (const element of form.querySelectorAll('.field-error')) element.textContent = '';
  form.querySelector('.status').textContent = '';
}

function showError(form, error) {
  const status = form.querySelector('.status');
  const fields = error instanceof ApiError ? error.fields : [];
  for (const issue of fields) {
    const slot =
      form.querySelector(`.field-error[data-field="${CSS.escape(issue.field)}"]`) ??
      form.querySelector('.field-error[data-field="(body)"]');
    slot.textContent = slot.textContent ? `${slot.textContent}; ${issue.message}` : issue.message;
  }
  status.textContent = error instanceof ApiError ? `${error.code}: ${error.message}` : String(error);
  status.className = 'status error';
}

function showSaved(form, message) {
  const status = form.querySelector('.status');
  status.textContent = message;
  status.className = 'status';
}

class FieldError extends Error {
  constructor(field, message) {
    super(message);
    this.name = 'FieldError';
    this.field = field;
  }
}

/** A textarea holding a JSON object; empty means null. */
function readJsonObject(field, text) {
  if (!text.trim()) return null;
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    throw new FieldError(field, 'is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FieldError(field, 'must be a JSON object');
  }
  return value;
}

const pretty = (value) => (value && Object.keys(value).length ? JSON.stringify(value, null, 2) : '');
const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

async function submitting(form, work) {
  clearErrors(form);
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  try {
    await work();
  } catch (error) {
    if (error instanceof FieldError) {
      showError(
        form,
        new ApiError(400, { code: 'VALIDATION_FAILED', message: 'Check the form', fields: [error] }),
      );
    } else {
      showError(form, error);
      if (error instanceof ApiError && error.status === 401) await refresh();
    }
  } finally {
    button.disabled = false;
  }
}

// ---- profile ----

function renderProfile(user) {
  byId('who').textContent = user.email;
  byId('profile-name').textContent = fullName(user);
  byId('profile-email').textContent = user.email;
  setImage('avatar', user.avatarUrl);
  const form = byId('profile-form');
  form.elements.avatarUrl.value = user.avatarUrl ?? '';
  form.elements.bio.value = user.bio ?? '';
  form.elements.timezone.value = user.timezone ?? '';
  form.elements.preferences.value = pretty(user.preferences);
}

/** Only the fields that changed, so an untouched field never fails validation. */
function profilePatch(form, user) {
  const patch = {};
  const avatarUrl = form.elements.avatarUrl.value.trim() || null;
  if (avatarUrl !== (user.avatarUrl ?? null)) patch.avatarUrl = avatarUrl;
  const bio = form.elements.bio.value || null;
  if (bio !== (user.bio ?? null)) patch.bio = bio;
  const timezone = form.elements.timezone.value.trim();
  if (timezone && timezone !== user.timezone) patch.timezone = timezone;
  const preferences = readJsonObject('preferences', form.elements.preferences.value);
  if (!same(preferences ?? {}, user.preferences ?? {})) patch.preferences = preferences;
  return patch;
}

async function saveProfile(event) {
  event.preventDefault();
  const form = event.currentTarget;
  await submitting(form, async () => {
    const patch = profilePatch(form, state.me.user);
    if (Object.keys(patch).length === 0) {
      showSaved(form, 'Nothing changed');
      return;
    }
    const user = await api('PATCH', '/me', patch);
    state.me.user = { ...state.me.user, ...user };
    renderProfile(state.me.user);
    showSaved(form, 'Saved');
  });
}

// ---- session and organization switcher ----

function currentMembership(me) {
  return me.memberships.find((m) => m.organization.workosOrgId === me.session.organizationId);
}

function renderSession(me) {
  const { session } = me;
  const membership = currentMembership(me);
  byId('session-org').textContent = membership
    ? `${membership.organization.name} (${session.organizationId})`
    : (session.organizationId ?? 'none');
  byId('session-role').textContent = session.role ?? '—';
  byId('session-permissions').textContent = session.permissions?.length
    ? session.permissions.join(', ')
    : '—';
  byId('session-impersonator').textContent = session.impersonator
    ? `${session.impersonator.email}${session.impersonator.reason ? ` (${session.impersonator.reason})` : ''}`
    : '—';
  byId('session-expires').textContent = session.expiresAt
    ? new Date(session.expiresAt).toLocaleString()
    : '—';

  const select = byId('org-switcher');
  select.replaceChildren();
  if (!membership) {
    const none = new Option('Choose an organization…', '', true, true);
    none.disabled = true;
    select.add(none);
  }
  for (const m of me.memberships) {
    const role = String(m.role ?? m.roleSlug ?? '').toLowerCase();
    const option = new Option(`${m.organization.name} (${role})`, m.organization.workosOrgId);
    option.selected = m === membership;
    select.add(option);
  }
  show('switcher-field', me.memberships.length > 0);
}

async function switchOrganization(event) {
  const select = event.currentTarget;
  const organizationId = select.value;
  if (!organizationId) return;
  select.disabled = true;
  try {
    await api('POST', '/auth/switch-organization', { organizationId });
    banner('');
    await refresh();
  } catch (error) {
    banner(error instanceof ApiError ? `Could not switch: ${error.code}: ${error.message}` : String(error));
    if (state.me) renderSession(state.me);
  } finally {
    select.disabled = false;
  }
}

// ---- organization page ----

function renderOrganization(org) {
  byId('org-title').textContent = org.name;
  setImage('org-logo', org.logoUrl);
  byId('org-slug').textContent = org.slug;
  byId('org-domain').textContent = org.domain ?? '—';
  byId('org-role').textContent = org.role ?? '—';
  byId('org-settings').textContent = pretty(org.settings) || '{}';
  const form = byId('org-form');
  form.hidden = !ADMIN_ROLES.has(String(org.role ?? '').toUpperCase());
  form.elements.logoUrl.value = org.logoUrl ?? '';
  form.elements.domain.value = org.domain ?? '';
  form.elements.settings.value = pretty(org.settings);
}

function button(label, onClick) {
  const element = document.createElement('button');
  element.type = 'button';
  element.textContent = label;
  element.addEventListener('click', onClick);
  return element;
}

function roleOptions(select, selected) {
  select.replaceChildren();
  const slugs = state.roles.map((r) => r.slug);
  if (selected && !slugs.includes(selected)) slugs.unshift(selected);
  for (const slug of slugs) select.add(new Option(slug, slug, false, slug === selected));
}

/** Runs a member or invitation action; reports it in #members-status and reloads the lists. */
async function act(label, work) {
  const status = byId('members-status');
  status.textContent = '';
  status.className = 'status';
  try {
    await work();
    await refresh();
    status.textContent = label;
  } catch (error) {
    status.textContent = error instanceof ApiError ? `${error.code}: ${error.message}` : String(error);
    status.className = 'status error';
  }
}

/** The actions a member row offers: only those the caller may do (the API checks again). */
function memberActions(member) {
  const cell = document.createElement('span');
  const slug = state.organization?.slug ?? currentMembership(state.me)?.organization.slug;
  const path = `/organizations/${encodeURIComponent(slug)}/members/${encodeURIComponent(member.userId)}`;
  const self = member.userId === state.me.user.workosId;
  if (can(MEMBERS_WRITE) && state.roles.length) {
    const select = document.createElement('select');
    select.setAttribute('aria-label', `Role of ${member.email}`);
    roleOptions(select, member.roleSlug);
    cell.append(
      select,
      button('Change role', () => act('Role changed', () => api('PATCH', path, { roleSlug: select.value }))),
    );
  }
  if (self) {
    cell.append(button('Leave', () => act('You left the organization', () => api('DELETE', path))));
  } else if (can(MEMBERS_WRITE)) {
    cell.append(button('Remove', () => act(`Removed ${member.email}`, () => api('DELETE', path))));
  }
  return cell;
}

function appendMembers(members) {
  const body = byId('members').tBodies[0];
  for (const member of members) {
    const row = body.insertRow();
    row.dataset.email = member.email;
    for (const text of [fullName(member), member.email, member.roleSlug ?? member.role, member.status]) {
      row.insertCell().textContent = text ?? '';
    }
    row.insertCell().append(memberActions(member));
  }
}

// ---- invitations (members:write) ----

function renderInvitations(slug, invitations) {
  const body = byId('invitation-list').tBodies[0];
  body.replaceChildren();
  for (const invitation of invitations) {
    const row = body.insertRow();
    row.dataset.email = invitation.email;
    for (const text of [
      invitation.email,
      invitation.roleSlug ?? '',
      invitation.state,
      new Date(invitation.expiresAt).toLocaleDateString(),
    ]) {
      row.insertCell().textContent = text;
    }
    const actions = row.insertCell();
    const path = `/organizations/${encodeURIComponent(slug)}/invitations/${encodeURIComponent(invitation.id)}`;
    if (invitation.state === 'pending' || invitation.state === 'expired') {
      actions.append(
        button('Resend', () => act('Invitation sent again', () => api('POST', `${path}/resend`))),
      );
    }
    if (invitation.state === 'pending') {
      actions.append(button('Revoke', () => act('Invitation revoked', () => api('DELETE', path))));
    }
  }
}

async function loadAdmin(slug) {
  state.roles = can(MEMBERS_READ)
    ? await api('GET', `/organizations/${encodeURIComponent(slug)}/roles`).catch(() => [])
    : [];
  const admin = can(MEMBERS_WRITE);
  show('invitations', admin);
  if (!admin) return;
  roleOptions(
    byId('invite-form').elements.roleSlug,
    state.roles.some((r) => r.slug === 'member') ? 'member' : '',
  );
  renderInvitations(slug, await api('GET', `/organizations/${encodeURIComponent(slug)}/invitations`));
}

async function invite(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const slug = state.organization?.slug;
  if (!slug) return;
  await submitting(form, async () => {
    const email = form.elements.email.value.trim();
    const roleSlug = form.elements.roleSlug.value;
    const sent = await api('POST', `/organizations/${encodeURIComponent(slug)}/invitations`, {
      email,
      ...(roleSlug ? { roleSlug } : {}),
    });
    form.elements.email.value = '';
    await refresh();
    showSaved(form, `Invited ${sent.email}`);
  });
}

async function loadMembers(slug, cursor) {
  const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
  const page = await api('GET', `/organizations/${encodeURIComponent(slug)}/members${query}`);
  if (!cursor) byId('members').tBodies[0].replaceChildren();
  appendMembers(page.members);
  state.membersCursor = page.nextCursor ?? null;
  show('members-more', Boolean(state.membersCursor));
}

async function loadOrganization(me) {
  const membership = currentMembership(me);
  state.organization = null;
  show('organization', Boolean(membership));
  if (!membership) return;
  const slug = membership.organization.slug;
  byId('org-title').textContent = membership.organization.name;
  show('org-error', false);
  show('org-details', true);
  try {
    await loadAdmin(slug);
    const [org] = await Promise.all([
      api('GET', `/organizations/${encodeURIComponent(slug)}`),
      loadMembers(slug, null),
    ]);
    state.organization = org;
    renderOrganization(org);
  } catch (error) {
    show('org-details', false);
    const message = byId('org-error');
    message.textContent =
      error instanceof ApiError
        ? `Could not load the organization: ${error.code}: ${error.message}`
        : String(error);
    message.hidden = false;
  }
}

async function moreMembers() {
  if (!state.organization || !state.membersCursor) return;
  try {
    await loadMembers(state.organization.slug, state.membersCursor);
  } catch (error) {
    banner(String(error.message ?? error));
  }
}

function organizationPatch(form, org) {
  const patch = {};
  const logoUrl = form.elements.logoUrl.value.trim() || null;
  if (logoUrl !== (org.logoUrl ?? null)) patch.logoUrl = logoUrl;
  const domain = form.elements.domain.value.trim() || null;
  if (domain !== (org.domain ?? null)) patch.domain = domain;
  const settings = readJsonObject('settings', form.elements.settings.value) ?? {};
  if (!same(settings, org.settings ?? {})) patch.settings = settings;
  return patch;
}

async function saveOrganization(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const org = state.organization;
  if (!org) return;
  await submitting(form, async () => {
    const patch = organizationPatch(form, org);
    if (Object.keys(patch).length === 0) {
      showSaved(form, 'Nothing changed');
      return;
    }
    const updated = await api('PATCH', `/organizations/${encodeURIComponent(org.slug)}`, patch);
    state.organization = { ...org, ...updated };
    renderOrganization(state.organization);
    showSaved(form, 'Saved');
  });
}

// ---- sign out ----

async function signOut() {
  const button = byId('sign-out');
  button.disabled = true;
  try {
    const returnTo = encodeURIComponent(`${location.origin}/`);
    const { logoutUrl } = await api('POST', `/auth/logout?returnTo=${returnTo}`);
    location.assign(logoutUrl);
  } catch (error) {
    button.disabled = false;
    banner(error instanceof ApiError ? `Sign out failed: ${error.message}` : String(error));
  }
}

// ---- notifications (the bell): unread in-app notifications, newest first ----

const NOTIFICATIONS_POLL_MS = 15_000;
let notificationsTimer = null;

function renderNotifications(page) {
  byId('bell-count').textContent = String(page.unread);
  byId('bell-button').setAttribute('aria-label', `Notifications: ${page.unread} unread`);
  const list = byId('bell-list');
  list.replaceChildren();
  for (const notification of page.notifications) {
    const item = document.createElement('li');
    item.dataset.id = notification.id;
    const subject = document.createElement('strong');
    subject.textContent = notification.subject;
    const message = document.createElement('p');
    message.textContent = notification.message;
    const read = document.createElement('button');
    read.type = 'button';
    read.textContent = 'Mark read';
    read.addEventListener('click', () => markRead(notification.id));
    item.append(subject, message, read);
    list.append(item);
  }
  show('bell-empty', page.notifications.length === 0);
  show('bell-read-all', page.notifications.length > 0);
}

async function loadNotifications() {
  try {
    renderNotifications(await api('GET', '/notifications?unread=true&limit=20'));
  } catch (error) {
    // The bell is secondary: a failed poll leaves the last state and says so once in the banner.
    if (!(error instanceof ApiError && error.status === 401)) banner(`Notifications: ${error.message}`);
  }
}

async function markRead(id) {
  await api('POST', `/notifications/${encodeURIComponent(id)}/read`).catch((error) => banner(error.message));
  await loadNotifications();
}

async function markAllRead() {
  await api('POST', '/notifications/read-all').catch((error) => banner(error.message));
  await loadNotifications();
}

function toggleNotifications() {
  const panel = byId('bell-panel');
  panel.hidden = !panel.hidden;
  byId('bell-button').setAttribute('aria-expanded', String(!panel.hidden));
}

// ---- page ----

async function refresh() {
  try {
    const me = await api('GET', '/me');
    state.me = me;
    renderProfile(me.user);
    renderSession(me);
    show('signed-out', false);
    show('signed-in', true);
    show('sign-out', true);
    show('bell', true);
    await Promise.all([loadOrganization(me), loadNotifications()]);
    notificationsTimer ??= setInterval(loadNotifications, NOTIFICATIONS_POLL_MS);
  } catch (error) {
    state.me = null;
    byId('who').textContent = '';
    show('signed-in', false);
    show('sign-out', false);
    show('bell', false);
    clearInterval(notificationsTimer);
    notificationsTimer = null;
    show('switcher-field', false);
    show('signed-out', true);
    if (!(error instanceof ApiError && error.status === 401)) {
      banner(error instanceof ApiError ? `${error.code}: ${error.message}` : String(error));
    }
  } finally {
    show('loading', false);
    document.body.dataset.ready = state.me ? 'signed-in' : 'signed-out';
  }
}

function start() {
  const zones = byId('timezones');
  for (const zone of Intl.supportedValuesOf?.('timeZone') ?? []) zones.append(new Option(zone));
  const error = new URLSearchParams(location.search).get('error');
  if (error) banner(`Sign-in did not complete: ${error}`);
  byId('profile-form').addEventListener('submit', saveProfile);
  byId('org-form').addEventListener('submit', saveOrganization);
  byId('invite-form').addEventListener('submit', invite);
  byId('org-switcher').addEventListener('change', switchOrganization);
  byId('members-more').addEventListener('click', moreMembers);
  byId('sign-out').addEventListener('click', signOut);
  byId('bell-button').addEventListener('click', toggleNotifications);
  byId('bell-read-all').addEventListener('click', markAllRead);
  return refresh();
}

start();
