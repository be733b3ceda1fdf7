/**
 * The site lead's page (Einsatzstellenleitung) at a sandbag depot or a shelter: signed in through
 * the authority's identity provider, they check helpers in and out by their code and see the site's
 * load — nothing else (the services refuse site leads everything else with 403). The site comes from
 * the link the command post hands out (site.html?site=<id>, on the coordinator page).
 */
import { ApiError, call, webConfig } from './api.js';
import { clearErrors, field, formAlert, h, languageSwitch, main, reportFailedLoads, showApiError } from './dom.js';
import { t, type Key } from './i18n.js';
import type { SiteLoad } from '@kathelfer/contracts/api/tasks';
import { accessToken, forgetSession, onSessionChange, restoreSession, signIn, signOut, type StaffSession } from './sign-in.js';

/** The site of the link; read after restoreSession(), which puts the link's query back after a sign-in. */
let siteId = '';
let staff: StaffSession | undefined;

function page(...children: Array<Node | string>): void {
  main().replaceChildren(h('h1', { i18n: 'siteLeadTitle' }), ...children);
}

function signInView(message?: Key): void {
  const button = h('button', { type: 'button', class: 'primary', id: 'sign-in', i18n: 'signInProvider', onclick: () => void signIn() });
  const alert = h('div', { class: 'form-alert', role: 'alert' });
  page(h('p', { i18n: 'siteLeadIntro' }), alert, button);
  if (message !== undefined) formAlert(main(), t(message));
}

async function api<T>(path: string, options: { method?: 'GET' | 'POST'; body?: unknown } = {}): Promise<T> {
  try {
    return (await call<T>('tasks', path, { ...options, token: accessToken() ?? '' })).body;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      await forgetSession();
      staff = undefined;
      signInView('sessionEnded');
    }
    throw error;
  }
}

const loadBox = h('section', { id: 'load', 'aria-live': 'polite', 'aria-labelledby': 'load-title' });

async function showLoad(): Promise<void> {
  const load = await api<SiteLoad>(`/v1/sites/${encodeURIComponent(siteId)}/load`);
  loadBox.replaceChildren(
    h('h2', { id: 'load-title', i18n: 'siteLoadTitle' }),
    h(
      'p',
      { class: 'load' },
      h('span', { id: 'checked-in' }, String(load.checkedIn)),
      ' ',
      h('span', { i18n: 'checkedInOf' }),
      ' ',
      h('span', { id: 'capacity' }, String(load.capacity)),
      ' · ',
      h('span', { id: 'available' }, String(load.available)),
      ' ',
      h('span', { i18n: 'available' }),
    ),
  );
}

function checkinForm(): HTMLFormElement {
  const code = h('input', { type: 'text', id: 'code', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'characters', inputmode: 'text' });
  const done = h('p', { id: 'checkin-result', role: 'status' });
  const form = h(
    'form',
    { class: 'stack narrow', novalidate: true, id: 'checkin-form' },
    h('h2', { i18n: 'checkinTitle' }),
    h('div', { class: 'form-alert', role: 'alert' }),
    field({ label: 'siteCheckinCode', input: code, errorFor: 'code', hint: 'checkinCodeHint' }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'check-in', i18n: 'checkIn' }), ' ', h('button', { type: 'button', id: 'check-out', i18n: 'checkOut' })),
    done,
  );
  const send = (path: string, ok: Key) => {
    clearErrors(form);
    done.textContent = '';
    api(path, { method: 'POST', body: { siteId, code: code.value.trim().toUpperCase() } })
      .then(async () => {
        done.textContent = t(ok);
        code.value = '';
        await showLoad();
      })
      .catch((error: unknown) => showApiError(form, error));
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    send('/v1/checkins', 'checkedInOk');
  });
  form.querySelector('#check-out')?.addEventListener('click', () => send('/v1/checkins/checkout', 'checkedOutOk'));
  return form;
}

async function view(): Promise<void> {
  if ((await webConfig()).signIn === null) {
    page(h('p', { i18n: 'noSignIn' }));
    return;
  }
  if (siteId === '') {
    page(h('p', { i18n: 'noSiteGiven' }));
    return;
  }
  if (staff === undefined) {
    signInView();
    return;
  }
  const signOutButton = h('button', { type: 'button', class: 'link', id: 'sign-out', i18n: 'logout', onclick: () => void signOut() });
  page(h('p', {}, h('span', { i18n: 'signedInAs' }), ' ', h('span', { id: 'signed-in-as' }, staff.name), ' ', signOutButton), loadBox, checkinForm());
  try {
    await showLoad();
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) {
      page(h('p', { class: 'form-alert', role: 'alert' }, t('notSiteLead')), signOutButton);
      return;
    }
    showApiError(loadBox, error);
  }
}

reportFailedLoads();
languageSwitch();
void (async () => {
  staff = await restoreSession();
  siteId = new URLSearchParams(location.search).get('site') ?? '';
  onSessionChange((next) => {
    const wasSignedIn = staff !== undefined;
    staff = next;
    if (next === undefined && wasSignedIn) signInView('sessionEnded');
  });
  await view();
})();
