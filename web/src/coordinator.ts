/**
 * The coordinator's page at the command post: sign in through the authority's identity provider
 * (sign-in.ts; where the services trust none, a pasted JWT kept in this tab's sessionStorage), then an incident's sites with their load, its open tasks by priority
 * with their fill, creating and editing tasks, a task's assignments, and matching rounds.
 */
import type { AssignmentList, RoundStats } from '@kathelfer/contracts/api/matching';
import type { SiteList, SiteLoad, SiteView, TaskList, TaskView } from '@kathelfer/contracts/api/tasks';
import { ApiError, call, webConfig } from './api.js';
import { checkboxes, checkedValues, clearErrors, field, formAlert, h, isoOf, languageSwitch, localInput, main, relabel, reportFailedLoads, showApiError } from './dom.js';
import { hasKey, onLanguage, span, t, type Key } from './i18n.js';
import { accessToken, forgetSession, onSessionChange, restoreSession, signIn, signOut, type StaffSession } from './sign-in.js';
import { resourceLabel, resources, skillLabel, skills } from './vocab.js';

const storage = { token: 'kathelfer.coordinatorToken', incident: 'kathelfer.incident' };
/** Signed in through the provider (undefined: not signed in, or no provider configured). */
let staff: StaffSession | undefined;
let providerConfigured = false;
const session = {
  get token(): string {
    return providerConfigured ? (accessToken() ?? '') : (sessionStorage.getItem(storage.token) ?? '');
  },
  get incident(): string {
    return sessionStorage.getItem(storage.incident) ?? '';
  },
};

const statusText = (status: string) => {
  const key = `status${status.charAt(0).toUpperCase()}${status.slice(1)}`;
  return hasKey(key) ? t(key) : status;
};
const percent = (x: number) => `${Math.round(x * 100)} %`;

let sites: SiteView[] = [];
const panels = {
  sites: h('section', { id: 'sites', 'aria-labelledby': 'sites-title' }),
  tasks: h('section', { id: 'tasks', 'aria-labelledby': 'tasks-title' }),
  editor: h('section', { id: 'task-editor', 'aria-labelledby': 'editor-title' }),
  detail: h('section', { id: 'task-detail', 'aria-live': 'polite' }),
  matching: h('section', { id: 'matching', 'aria-labelledby': 'matching-title' }),
};

/** Sign-in through the provider: the incident to open, then the provider's login page. */
function providerLogin(message?: Key): void {
  const incident = h('input', { type: 'text', id: 'incident', value: session.incident, autocomplete: 'off', spellcheck: 'false' });
  const signedIn = staff === undefined ? [] : [h('p', { id: 'signed-in-as' }, h('span', { i18n: 'signedInAs' }), ` ${staff.name} `, logoutButton())];
  const form = h(
    'form',
    { class: 'stack narrow', novalidate: true },
    h('div', { class: 'form-alert', role: 'alert' }),
    field({ label: 'incidentLabel', input: incident, errorFor: 'incident' }),
    h('button', { type: 'submit', class: 'primary', id: 'sign-in', i18n: staff === undefined ? 'signInProvider' : 'openIncident' }),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(storage.incident, incident.value.trim());
    if (staff === undefined) void signIn();
    else void dashboard();
  });
  main().replaceChildren(h('h1', { i18n: 'coordTitle' }), h('h2', { i18n: 'loginTitle' }), ...signedIn, form);
  if (message !== undefined) formAlert(form, t(message));
}

function logoutButton(): HTMLButtonElement {
  return h('button', {
    type: 'button',
    class: 'link',
    id: 'sign-out',
    i18n: 'logout',
    onclick: () => {
      if (providerConfigured) {
        void signOut();
        return;
      }
      sessionStorage.removeItem(storage.token);
      login();
    },
  });
}

function login(message?: Key): void {
  if (providerConfigured) {
    providerLogin(message);
    return;
  }
  const token = h('textarea', { rows: 4, autocomplete: 'off', spellcheck: 'false', id: 'token' });
  const incident = h('input', { type: 'text', id: 'incident', value: session.incident, autocomplete: 'off', spellcheck: 'false' });
  const form = h(
    'form',
    { class: 'stack narrow', novalidate: true },
    h('div', { class: 'form-alert', role: 'alert' }),
    field({ label: 'tokenLabel', input: token, errorFor: 'token', hint: 'tokenHint' }),
    field({ label: 'incidentLabel', input: incident, errorFor: 'incident' }),
    h('button', { type: 'submit', class: 'primary', i18n: 'login' }),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(storage.token, token.value.trim());
    sessionStorage.setItem(storage.incident, incident.value.trim());
    void dashboard();
  });
  main().replaceChildren(h('h1', { i18n: 'coordTitle' }), h('h2', { i18n: 'loginTitle' }), form);
  if (message !== undefined) formAlert(form, t(message));
}

/** Every call with the coordinator's token; an expired or wrong token leads back to sign-in. */
async function api<T>(service: 'tasks' | 'matching', path: string, options: { method?: 'GET' | 'POST' | 'PATCH'; body?: unknown } = {}): Promise<T> {
  try {
    return (await call<T>(service, path, { ...options, token: session.token })).body;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      sessionStorage.removeItem(storage.token);
      await forgetSession();
      staff = undefined;
      login('notAllowed');
    } else if (error instanceof ApiError && error.status === 403) {
      // Signed in, but without the role (a site lead, or removed from the coordinator group).
      sessionStorage.removeItem(storage.token);
      login(providerConfigured ? 'notCoordinator' : 'notAllowed');
    }
    throw error;
  }
}

async function loadSites(): Promise<void> {
  sites = (await api<SiteList>('tasks', `/v1/sites?incidentId=${encodeURIComponent(session.incident)}`)).items;
  const loads = await Promise.all(sites.map((s) => api<SiteLoad>('tasks', `/v1/sites/${s.id}/load`)));
  const rows = sites.map((s, i) => {
    const load = loads[i];
    return h(
      'tr',
      { 'data-site': s.id },
      h('th', { scope: 'row' }, s.name),
      h('td', {}, s.meetingPoint),
      h('td', { class: 'load' }, load === undefined ? '' : `${load.checkedIn} `, h('span', { i18n: 'checkedInOf' }), load === undefined ? '' : ` ${load.capacity}`),
      // The link for the site lead: check-in and load of this site, nothing else (site.html).
      h('td', {}, h('a', { href: `site.html?site=${encodeURIComponent(s.id)}`, i18n: 'siteView' })),
    );
  });
  panels.sites.replaceChildren(
    h('h2', { id: 'sites-title', i18n: 'sitesTitle' }),
    rows.length === 0
      ? h('p', { i18n: 'noSites' })
      : h('div', { class: 'scroll' }, h('table', {}, h('thead', {}, h('tr', {}, ...(['site', 'meetingPoint', 'load', 'siteViewColumn'] as const).map((k) => h('th', { scope: 'col', i18n: k })))), h('tbody', {}, ...rows))),
    siteForm(),
  );
  renderEditor();
}

function siteForm(): HTMLElement {
  const input = (type = 'text', attrs: Record<string, string | number> = {}) => h('input', { type, ...attrs });
  const name = input();
  const street = input();
  const postalCode = input('text', { inputmode: 'numeric', maxlength: 5 });
  const city = input();
  const latitude = input('number', { step: 'any' });
  const longitude = input('number', { step: 'any' });
  const meetingPoint = input();
  const capacity = input('number', { min: 1, value: 20 });
  const form = h(
    'form',
    { class: 'stack', novalidate: true, id: 'site-form' },
    h('div', { class: 'form-alert', role: 'alert' }),
    field({ label: 'siteName', input: name, errorFor: 'name' }),
    field({ label: 'street', input: street, errorFor: 'address.street' }),
    field({ label: 'postalCode', input: postalCode, errorFor: 'address.postalCode' }),
    field({ label: 'city', input: city, errorFor: 'address.city' }),
    field({ label: 'latitude', input: latitude, errorFor: 'coordinates.latitude' }),
    field({ label: 'longitude', input: longitude, errorFor: 'coordinates.longitude' }),
    field({ label: 'meetingPoint', input: meetingPoint, errorFor: 'meetingPoint' }),
    field({ label: 'capacity', input: capacity, errorFor: 'capacity' }),
    h('button', { type: 'submit', class: 'secondary', i18n: 'createSite' }),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearErrors(form);
    const body = {
      incidentId: session.incident,
      name: name.value,
      address: { ...(street.value.trim() === '' ? {} : { street: street.value }), postalCode: postalCode.value.trim(), city: city.value },
      coordinates: { latitude: Number(latitude.value), longitude: Number(longitude.value) },
      meetingPoint: meetingPoint.value,
      capacity: Number(capacity.value),
    };
    api('tasks', '/v1/sites', { method: 'POST', body }).then(
      () => void loadSites(),
      (error: unknown) => showApiError(form, error),
    );
  });
  return h('details', { class: 'new-site' }, h('summary', { i18n: 'newSite' }), form);
}

async function loadTasks(): Promise<void> {
  const tasks = (await api<TaskList>('tasks', `/v1/tasks?incidentId=${encodeURIComponent(session.incident)}&limit=200`)).items;
  const siteName = (id: string) => sites.find((s) => s.id === id)?.name ?? '';
  const rows = [...tasks]
    .sort((a, b) => a.priority - b.priority || Date.parse(a.shiftStart) - Date.parse(b.shiftStart))
    .map((task) =>
      h(
        'tr',
        { 'data-task': task.id },
        h('td', { class: 'priority' }, String(task.priority)),
        h('th', { scope: 'row' }, task.title),
        h('td', {}, siteName(task.siteId)),
        h('td', {}, span(task.shiftStart, task.shiftEnd)),
        h('td', { class: 'fill' }, h('meter', { min: 0, max: task.headcount, value: task.filledCount }), ` ${task.filledCount}/${task.headcount}`),
        h('td', {}, statusText(task.status)),
        h(
          'td',
          {},
          h('button', { type: 'button', class: 'link', i18n: 'edit', onclick: () => renderEditor(task) }),
          ' ',
          h('button', { type: 'button', class: 'link', i18n: 'details', onclick: () => void showTask(task.id) }),
        ),
      ),
    );
  const head = (['priority', 'title', 'site', 'shift', 'fill', 'status'] as const).map((k) => h('th', { scope: 'col', i18n: k }));
  panels.tasks.replaceChildren(
    h('h2', { id: 'tasks-title', i18n: 'tasksTitle' }),
    h('button', { type: 'button', class: 'secondary', i18n: 'refresh', onclick: () => void loadTasks() }),
    rows.length === 0 ? h('p', { i18n: 'noTasks' }) : h('div', { class: 'scroll' }, h('table', { class: 'tasks' }, h('thead', {}, h('tr', {}, ...head, h('th', {}))), h('tbody', {}, ...rows))),
  );
}

function renderEditor(task?: TaskView): void {
  const hour = 3600_000;
  const begin = new Date(Math.ceil(Date.now() / hour) * hour + hour);
  const title = h('input', { type: 'text', value: task?.title ?? '', id: 'task-title' });
  const description = h('textarea', { rows: 2 });
  description.value = task?.description ?? '';
  const site = h('select', { id: 'task-site' }, ...sites.map((s) => h('option', { value: s.id, selected: s.id === task?.siteId }, s.name)));
  const headcount = h('input', { type: 'number', min: 1, value: task?.headcount ?? 1, id: 'task-headcount' });
  const shiftStart = h('input', { type: 'datetime-local', value: localInput(task === undefined ? begin : new Date(task.shiftStart)), id: 'task-shift-start' });
  const shiftEnd = h('input', { type: 'datetime-local', value: localInput(task === undefined ? new Date(begin.getTime() + 4 * hour) : new Date(task.shiftEnd)), id: 'task-shift-end' });
  // The API's scale (1 is the most urgent) runs the other way from many dashboards: say so at both ends.
  const priorityLabel = (p: number): Key | undefined => (p === 1 ? 'priority1' : p === 5 ? 'priority5' : undefined);
  const priority = h(
    'select',
    { id: 'task-priority' },
    ...[1, 2, 3, 4, 5].map((p) => {
      const attributes = { value: p, selected: p === (task?.priority ?? 3) };
      const key = priorityLabel(p);
      return key === undefined ? h('option', attributes, String(p)) : h('option', { ...attributes, i18n: key });
    }),
  );
  const bring = h('textarea', { rows: 3, id: 'task-bring' });
  bring.value = (task?.bring ?? []).join('\n');
  const briefing = h('textarea', { rows: 3 });
  briefing.value = task?.briefing ?? '';
  const skillSet = checkboxes({ legend: 'requiredSkills', name: 'task-skills', codes: skills, label: skillLabel, checked: task?.skills ?? [], errorFor: 'skills' });
  const resourceSet = checkboxes({ legend: 'requiredResources', name: 'task-resources', codes: resources, label: resourceLabel, checked: task?.resources ?? [], errorFor: 'resources' });
  const saved = h('p', { class: 'saved', role: 'status' });
  const form = h(
    'form',
    { class: 'stack', novalidate: true, id: 'task-form' },
    h('div', { class: 'form-alert', role: 'alert' }),
    field({ label: 'title', input: title, errorFor: 'title' }),
    field({ label: 'site', input: site, errorFor: 'siteId' }),
    field({ label: 'priority', input: priority, errorFor: 'priority' }),
    field({ label: 'headcount', input: headcount, errorFor: 'headcount' }),
    field({ label: 'shiftStart', input: shiftStart, errorFor: 'shiftStart' }),
    field({ label: 'shiftEnd', input: shiftEnd, errorFor: 'shiftEnd' }),
    skillSet,
    resourceSet,
    field({ label: 'bringLines', input: bring, errorFor: 'bring' }),
    field({ label: 'description', input: description, errorFor: 'description' }),
    field({ label: 'briefing', input: briefing, errorFor: 'briefing' }),
    h('button', { type: 'submit', class: 'primary', i18n: task === undefined ? 'createTask' : 'saveTask' }),
    task !== undefined && h('button', { type: 'button', class: 'link', i18n: 'newTask', onclick: () => renderEditor() }),
    saved,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearErrors(form);
    const fields = {
      title: title.value,
      description: description.value,
      siteId: site.value,
      skills: checkedValues(skillSet, 'task-skills'),
      resources: checkedValues(resourceSet, 'task-resources'),
      headcount: Number(headcount.value),
      shiftStart: isoOf(shiftStart.value),
      shiftEnd: isoOf(shiftEnd.value),
      priority: Number(priority.value),
      bring: bring.value.split('\n').map((b) => b.trim()).filter((b) => b !== ''),
      briefing: briefing.value,
    };
    const request =
      task === undefined
        ? api<TaskView>('tasks', '/v1/tasks', { method: 'POST', body: { incidentId: session.incident, ...fields } })
        : api<TaskView>('tasks', `/v1/tasks/${task.id}`, { method: 'PATCH', body: { version: task.version, ...fields } });
    request.then(
      (result) => {
        renderEditor(result);
        const done = panels.editor.querySelector('.saved');
        if (done !== null) done.textContent = t('taskSaved');
        void loadTasks();
        void showTask(result.id);
      },
      (error: unknown) => showApiError(form, error, { 409: 'conflict' }),
    );
  });
  onLanguage(() => {
    relabel(skillSet, skillLabel, 'task-skills');
    relabel(resourceSet, resourceLabel, 'task-resources');
  });
  panels.editor.replaceChildren(h('h2', { id: 'editor-title', i18n: task === undefined ? 'newTask' : 'editTask' }), form);
}

async function showTask(id: string): Promise<void> {
  const [task, assignments] = await Promise.all([
    api<TaskView>('tasks', `/v1/tasks/${id}`),
    api<AssignmentList>('matching', `/v1/assignments?taskId=${id}`),
  ]);
  const rows = assignments.items.map((a) =>
    h('tr', { 'data-assignment': a.id }, h('td', {}, a.helperId.slice(0, 8)), h('td', { class: 'assignment-status' }, statusText(a.status)), h('td', {}, span(a.shiftStart, a.shiftEnd)), h('td', {}, `${a.distanceKm} km`)),
  );
  const head = (['helper', 'status', 'shift', 'distance'] as const).map((k) => h('th', { scope: 'col', i18n: k }));
  panels.detail.replaceChildren(
    h('h2', { id: 'detail-title' }, h('span', { i18n: 'assignmentsTitle' }), `: ${task.title}`),
    h(
      'p',
      { class: 'task-fill', 'data-task': task.id, 'data-status': task.status },
      h('span', { i18n: 'fill' }),
      ` ${task.filledCount}/${task.headcount} · `,
      h('span', { i18n: 'status' }),
      `: ${statusText(task.status)}`,
    ),
    h('button', {
      type: 'button',
      class: 'secondary',
      i18n: 'refresh',
      onclick: () => {
        void showTask(id);
        // A task that filled up leaves the open list.
        void loadTasks();
      },
    }),
    rows.length === 0 ? h('p', { i18n: 'noAssignments' }) : h('div', { class: 'scroll' }, h('table', {}, h('thead', {}, h('tr', {}, ...head)), h('tbody', {}, ...rows))),
  );
}

function matchingPanel(): void {
  const result = h('div', { id: 'round-stats', 'aria-live': 'polite' });
  const run = h('button', { type: 'button', class: 'primary', id: 'run-matching', i18n: 'runMatching' });
  const alert = h('div', { class: 'form-alert', role: 'alert' });
  run.addEventListener('click', () => {
    run.disabled = true;
    run.textContent = t('running');
    api<RoundStats>('matching', '/v1/matching/runs', { method: 'POST', body: { incidentId: session.incident } })
      .then((stats) => {
        const row = (key: Key, value: string, name: string) => [h('dt', { i18n: key }), h('dd', { 'data-stat': name }, value)];
        result.replaceChildren(
          h(
            'dl',
            { class: 'facts stats' },
            ...row('proposed', String(stats.proposed), 'proposed'),
            ...row('withdrawn', String(stats.withdrawn), 'withdrawn'),
            ...row('helpers', String(stats.helpers), 'helpers'),
            ...row('tasks', String(stats.tasks), 'tasks'),
            ...row('demand', String(stats.demand), 'demand'),
            ...row('filled', String(stats.filled), 'filled'),
            ...row('fillRate', percent(stats.fill), 'fill'),
            ...row('coverage', percent(stats.coverage), 'coverage'),
            ...row('meanDistance', `${stats.meanDistanceKm.toFixed(1)} km`, 'meanDistanceKm'),
          ),
        );
        void loadTasks();
      })
      .catch((error: unknown) => showApiError(panels.matching, error))
      .finally(() => {
        run.disabled = false;
        run.textContent = t('runMatching');
      });
  });
  panels.matching.replaceChildren(h('h2', { id: 'matching-title', i18n: 'matchingTitle' }), alert, run, result);
}

async function dashboard(): Promise<void> {
  if (session.token === '' || session.incident === '') {
    login();
    return;
  }
  const who = staff === undefined ? [] : [h('span', { id: 'signed-in-as', class: 'who' }, staff.name), ' '];
  main().replaceChildren(
    h('h1', {}, h('span', { i18n: 'coordTitle' }), ': ', h('span', { id: 'incident-name' }, session.incident), ' ', ...who, logoutButton()),
    h('div', { class: 'columns' }, h('div', {}, panels.tasks, panels.detail, panels.matching), h('div', {}, panels.editor, panels.sites)),
  );
  matchingPanel();
  try {
    await loadSites();
    await loadTasks();
  } catch (error) {
    if (!(error instanceof ApiError && (error.status === 401 || error.status === 403))) throw error;
  }
}

reportFailedLoads();
languageSwitch();
onLanguage(() => {
  if (session.token !== '' && document.getElementById('tasks-title') !== null) void loadTasks();
});
async function start(): Promise<void> {
  staff = await restoreSession();
  providerConfigured = (await webConfig()).signIn !== null;
  // A renewal that fails (the provider's session ended) signs out here too.
  onSessionChange((next) => {
    staff = next;
    if (next === undefined) login('sessionEnded');
  });
  await dashboard();
}

void start();
