/**
 * The helper's self-service page, opened with the personal link. One page over three APIs with the
 * one token: registration (my data, changes, pause, erasure), matching (proposals, accept, decline)
 * and tasks (brief of a proposed task, check-in codes of accepted ones).
 */
import { ApiError, call } from './api.js';
import { availabilityEditor, checkboxes, checkedValues, clearErrors, field, formAlert, h, languageSwitch, main, relabel, reportFailedLoads, showApiError, T } from './dom.js';
import { hasKey, onLanguage, span, t, when } from './i18n.js';
import { qrCanvas } from './qr.js';
import { resourceLabel, resources, skillLabel, skills } from './vocab.js';
import { currentConsentVersion } from '@kathelfer/registration/consent';
import type { AssignmentList, AssignmentView } from '@kathelfer/contracts/api/matching';
import type { SelfServiceView } from '@kathelfer/contracts/api/registration';
import type { MyAssignments, TaskBriefView } from '@kathelfer/contracts/api/tasks';

type Profile = SelfServiceView;

type Assignment = AssignmentView;
type Brief = TaskBriefView;
type Accepted = MyAssignments['items'][number];

/**
 * The token comes from the URL fragment (#token=…), which browsers never send to a server, so it
 * lands in no access log. It stays in this page's memory only.
 */
const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? '';
/** An appeal link may send a registered helper here with `#token=…&incident=…` to join that incident. */
const appealIncident = new URLSearchParams(location.hash.slice(1)).get('incident') ?? new URLSearchParams(location.search).get('incident') ?? '';

const sections = {
  proposals: h('section', { id: 'proposals', 'aria-labelledby': 'proposals-title' }),
  accepted: h('section', { id: 'accepted', 'aria-labelledby': 'accepted-title' }),
};
let profile: Profile | undefined;
let assignments: Assignment[] = [];
let accepted: Accepted[] = [];
const briefs = new Map<string, Brief>();
let codeRetry: ReturnType<typeof setTimeout> | undefined;

function invalidLink(): void {
  main().replaceChildren(
    h('h1', { i18n: 'meTitle' }),
    h('p', { class: 'warning', role: 'alert', id: 'invalid-link', i18n: 'invalidLink' }),
    h('p', {}, h('a', { href: './', class: 'button', i18n: 'registerAgain' })),
  );
}

function address(site: Brief['site']): string {
  return [site.name, site.address.street, `${site.address.postalCode} ${site.address.city}`].filter(Boolean).join(', ');
}

function details(site: Brief['site'], from: string, to: string, bring: string[]): HTMLElement {
  return h(
    'dl',
    { class: 'facts' },
    T('when', 'dt'),
    h('dd', {}, span(from, to)),
    T('where', 'dt'),
    h('dd', {}, address(site)),
    T('meetingPoint', 'dt'),
    h('dd', { class: 'meeting-point' }, site.meetingPoint),
    bring.length > 0 && T('bring', 'dt'),
    bring.length > 0 && h('dd', {}, h('ul', { class: 'bring' }, ...bring.map((b) => h('li', {}, b)))),
  );
}

async function answer(id: string, decision: 'accept' | 'decline', card: HTMLElement): Promise<void> {
  for (const b of card.querySelectorAll('button')) b.disabled = true;
  try {
    await call('matching', `/v1/assignments/${id}/${decision}`, { method: 'POST', token });
  } catch (error) {
    showApiError(card, error);
  }
  await loadAssignments();
}

function renderProposals(): void {
  const open = assignments.filter((a) => a.status === 'proposed' && Date.parse(a.expiresAt) > Date.now());
  const cards = open.map((a) => {
    const brief = briefs.get(a.taskId);
    const card = h(
      'article',
      { class: 'card proposal', 'data-assignment': a.id },
      h('h3', {}, brief?.title ?? '…'),
      brief === undefined ? h('p', {}, span(a.shiftStart, a.shiftEnd)) : details(brief.site, a.shiftStart, a.shiftEnd, brief.bring),
      brief !== undefined && brief.briefing !== '' && h('p', { class: 'briefing' }, brief.briefing),
      h('p', { class: 'hint' }, h('span', { i18n: 'answerBy' }), ' ', when(a.expiresAt)),
      h('div', { class: 'form-alert', role: 'alert' }),
      h(
        'p',
        { class: 'actions' },
        h('button', { type: 'button', class: 'primary accept', i18n: 'accept', onclick: () => void answer(a.id, 'accept', card) }),
        ' ',
        h('button', { type: 'button', class: 'secondary decline', i18n: 'decline', onclick: () => void answer(a.id, 'decline', card) }),
      ),
    );
    return card;
  });
  sections.proposals.replaceChildren(h('h2', { id: 'proposals-title', i18n: 'proposalsTitle' }), ...(cards.length > 0 ? cards : [h('p', { i18n: 'noProposals' })]));
}

function renderAccepted(): void {
  const mine = assignments.filter((a) => a.status === 'accepted');
  const cards = mine.map((a) => {
    const withCode = accepted.find((c) => c.assignmentId === a.id);
    const brief = briefs.get(a.taskId);
    const card = h('article', { class: 'card accepted', 'data-assignment': a.id }, h('h3', {}, withCode?.task.title ?? brief?.title ?? '…'));
    const site = withCode?.site ?? brief?.site;
    if (site !== undefined) card.append(details(site, a.shiftStart, a.shiftEnd, withCode?.task.bring ?? brief?.bring ?? []));
    if (withCode === undefined) card.append(h('p', { class: 'hint code-pending', role: 'status', i18n: 'codePending' }));
    else {
      card.append(
        h(
          'div',
          { class: 'checkin' },
          T('checkinCode', 'h3'),
          h('p', { class: 'code', id: `code-${a.id}` }, withCode.code),
          qrCanvas(withCode.qrPayload, `${t('checkinCode')}: ${withCode.code}`, 200),
          h('p', { class: 'hint', i18n: 'checkinHint' }),
          withCode.checkedInAt !== null && h('p', {}, h('span', { i18n: 'checkedIn' }), ' ', when(withCode.checkedInAt)),
        ),
      );
    }
    card.append(
      h('div', { class: 'form-alert', role: 'alert' }),
      h('p', { class: 'actions' }, h('button', { type: 'button', class: 'link withdraw', i18n: 'withdraw', onclick: () => void answer(a.id, 'decline', card) })),
    );
    return card;
  });
  sections.accepted.replaceChildren(h('h2', { id: 'accepted-title', i18n: 'acceptedTitle' }), ...(cards.length > 0 ? cards : [h('p', { i18n: 'noAccepted' })]));
  // The code is made by the task service when the acceptance reaches it over the bus: a moment.
  clearTimeout(codeRetry);
  const waiting = mine.some((a) => !accepted.some((c) => c.assignmentId === a.id));
  if (waiting && codeAttempts < maxCodeAttempts) codeRetry = setTimeout(() => void loadCodes(), Math.min(1000 * 2 ** Math.floor(codeAttempts / 10), 10_000));
}

/** About five minutes of retries (1 s, then slower); a reload starts over. */
const maxCodeAttempts = 40;
let codeAttempts = 0;

async function loadCodes(): Promise<void> {
  codeAttempts += 1;
  try {
    accepted = (await call<MyAssignments>('tasks', '/v1/checkins/me', { token })).body.items;
  } catch {
    // The task service learns the token a moment after registration (401 until then), or is
    // briefly away: the next attempt shows the code.
  }
  renderAccepted();
}

async function loadAssignments(): Promise<void> {
  assignments = (await call<AssignmentList>('matching', '/v1/assignments/mine', { token })).body.items;
  const live = assignments.filter((a) => a.status === 'proposed' || a.status === 'accepted');
  codeAttempts = 0;
  await Promise.all(
    live
      .filter((a) => !briefs.has(a.taskId))
      .map(async (a) => {
        try {
          briefs.set(a.taskId, (await call<Brief>('tasks', `/v1/tasks/${a.taskId}/brief`, { token })).body);
        } catch {
          // without the brief the card still shows the time; the next load tries again
        }
      }),
  );
  renderProposals();
  await loadCodes();
}

function profileForm(p: Profile): HTMLElement {
  const skillSet = checkboxes({ legend: 'skillsLegend', name: 'skills', codes: skills, label: skillLabel, checked: p.skills, errorFor: 'skills' });
  const resourceSet = checkboxes({ legend: 'resourcesLegend', name: 'resources', codes: resources, label: resourceLabel, checked: p.resources, errorFor: 'resources' });
  const availability = availabilityEditor(p.availability);
  const maxHours = h('input', { type: 'number', min: 1, max: 16, value: p.maxHoursPerDay, inputmode: 'numeric' });
  const maxTravel = h('input', { type: 'number', min: 1, max: 500, value: p.maxTravelKm, inputmode: 'numeric' });
  const saved = h('p', { class: 'saved', role: 'status' });
  const form = h(
    'form',
    { novalidate: true, class: 'stack', id: 'profile-form' },
    h('div', { class: 'form-alert', role: 'alert' }),
    availability.element,
    skillSet,
    resourceSet,
    field({ label: 'maxHoursPerDay', input: maxHours, errorFor: 'maxHoursPerDay', hint: 'maxHoursPerDayHint' }),
    field({ label: 'maxTravelKm', input: maxTravel, errorFor: 'maxTravelKm' }),
    h('button', { type: 'submit', class: 'primary', i18n: 'save' }),
    saved,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearErrors(form);
    saved.textContent = '';
    const body = {
      availability: availability.values(),
      skills: checkedValues(skillSet, 'skills'),
      resources: checkedValues(resourceSet, 'resources'),
      maxHoursPerDay: Number(maxHours.value),
      maxTravelKm: Number(maxTravel.value),
    };
    call<Profile>('registration', '/v1/helpers/me', { method: 'PATCH', token, body }).then(
      ({ body: updated }) => {
        profile = updated;
        saved.textContent = t('saved');
      },
      (error: unknown) => showApiError(form, error),
    );
  });
  onLanguage(() => {
    relabel(skillSet, skillLabel, 'skills');
    relabel(resourceSet, resourceLabel, 'resources');
  });
  return form;
}

function pauseSection(p: Profile): HTMLElement {
  const note = h('p', { class: 'warning', id: 'paused-note', i18n: 'pausedNote', hidden: !p.paused });
  const button = h('button', { type: 'button', class: 'secondary', id: 'pause-button', i18n: p.paused ? 'resume' : 'pause' });
  const section = h('section', { 'aria-labelledby': 'pause-title' }, h('h2', { id: 'pause-title', i18n: 'pauseTitle' }), h('p', { i18n: 'pauseText' }), note, h('div', { class: 'form-alert', role: 'alert' }), button);
  button.addEventListener('click', () => {
    const paused = !(profile?.paused ?? false);
    call<Profile>('registration', '/v1/helpers/me', { method: 'PATCH', token, body: { paused } }).then(
      ({ body }) => {
        profile = body;
        note.hidden = !body.paused;
        button.dataset.i18n = body.paused ? 'resume' : 'pause';
        button.textContent = t(body.paused ? 'resume' : 'pause');
      },
      (error: unknown) => showApiError(section, error),
    );
  });
  return section;
}

function deleteSection(): HTMLElement {
  const confirmBox = h('div', { class: 'confirm', hidden: true, role: 'group', 'aria-labelledby': 'delete-confirm-text' });
  const start = h('button', { type: 'button', class: 'danger', id: 'delete-start', i18n: 'deleteButton' });
  const section = h('section', { 'aria-labelledby': 'delete-title' }, h('h2', { id: 'delete-title', i18n: 'deleteTitle' }), h('p', { i18n: 'deleteText' }), h('div', { class: 'form-alert', role: 'alert' }), start, confirmBox);
  const yes = h('button', { type: 'button', class: 'danger', id: 'delete-confirm', i18n: 'deleteYes' });
  const no = h('button', { type: 'button', class: 'secondary', i18n: 'cancel' });
  confirmBox.append(h('p', { id: 'delete-confirm-text' }, h('strong', { i18n: 'deleteConfirm' })), h('p', { class: 'actions' }, yes, ' ', no));
  start.addEventListener('click', () => {
    confirmBox.hidden = false;
    start.hidden = true;
    no.focus();
  });
  no.addEventListener('click', () => {
    confirmBox.hidden = true;
    start.hidden = false;
    start.focus();
  });
  yes.addEventListener('click', () => {
    yes.disabled = true;
    call('registration', '/v1/helpers/me', { method: 'DELETE', token }).then(
      () => {
        clearTimeout(codeRetry);
        main().replaceChildren(h('h1', { i18n: 'deleteTitle' }), h('p', { class: 'done', role: 'status', id: 'deleted', i18n: 'deleted' }));
      },
      (error: unknown) => {
        yes.disabled = false;
        showApiError(section, error);
      },
    );
  });
  return section;
}

/** Join another incident (issue 13: floods come in waves) with consent for it; the same data and token serve both. */
function joinSection(p: Profile): HTMLElement {
  const list = h('p', { id: 'joined-incidents' });
  const showIncidents = (ids: string[]) =>
    list.replaceChildren(h('span', { i18n: 'joinedIncidents' }), ': ', ids.length === 0 ? h('span', { i18n: 'noIncidents' }) : ids.join(', '));
  showIncidents(p.incidentIds);
  const incident = h('input', { type: 'text', name: 'incidentId', id: 'join-incident', value: appealIncident, autocomplete: 'off', spellcheck: 'false' });
  const consent = h('input', { type: 'checkbox', id: 'join-consent' });
  const done = h('p', { class: 'done', role: 'status', id: 'join-done', i18n: 'joined', hidden: true });
  const form = h(
    'form',
    { novalidate: true, class: 'stack', id: 'join-form' },
    h('div', { class: 'form-alert', role: 'alert' }),
    field({ label: 'incident', input: incident, errorFor: 'incidentId', hint: 'incidentHint' }),
    h('div', { class: 'choice' }, consent, h('label', { for: consent.id, i18n: 'joinConsent' })),
    h('p', { class: 'error', 'data-error-for': 'consent', 'data-input': consent.id }),
    h('button', { type: 'submit', i18n: 'joinButton' }),
    done,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearErrors(form);
    done.hidden = true;
    const body = { incidentId: incident.value.trim(), consent: { version: currentConsentVersion, purposes: consent.checked ? ['coordination'] : [] } };
    call<Profile>('registration', '/v1/helpers/me/incidents', { method: 'POST', token, body }).then(
      ({ body: updated }) => {
        profile = updated;
        showIncidents(updated.incidentIds);
        done.hidden = false;
      },
      (error: unknown) => showApiError(form, error, { 409: 'incidentEnded' }),
    );
  });
  return h('section', { 'aria-labelledby': 'join-title', id: 'join' }, h('h2', { id: 'join-title', i18n: 'joinTitle' }), h('p', { i18n: 'joinText' }), list, form);
}

/** A consent change that adds or removes one purpose, agreeing to the current consent text. */
function withPurpose(purposes: string[], purpose: string, on: boolean): { version: string; purposes: string[] } {
  const rest = purposes.filter((x) => x !== purpose);
  return { version: currentConsentVersion, purposes: on ? [...rest, purpose] : rest };
}

/** The applicationServerKey for PushManager.subscribe: the VAPID public key's bytes (RFC 8292). */
function vapidKeyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64url.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * How the helper is notified (issue 17): e-mail and Web Push, each a consent purpose of its own.
 * The push switch registers the service worker (sw.js), asks for the permission, subscribes with
 * the platform's VAPID key and hands the subscription to registration; off unsubscribes.
 */
function notificationsSection(p: Profile): HTMLElement {
  const status = h('p', { class: 'saved', role: 'status', id: 'notify-status' });
  const say = (key: Parameters<typeof t>[0]) => {
    status.dataset.i18n = key;
    status.textContent = t(key);
  };
  const email = h('input', { type: 'checkbox', id: 'notify-email', checked: p.notifications.email, disabled: p.contact.email === null });
  const push = h('input', { type: 'checkbox', id: 'notify-push', checked: p.notifications.push.consented && p.notifications.push.subscriptions > 0 });
  const alert = h('div', { class: 'form-alert', role: 'alert' });
  const section = h(
    'section',
    { 'aria-labelledby': 'notifications-title', id: 'notifications' },
    h('h2', { id: 'notifications-title', i18n: 'notificationsTitle' }),
    h('p', { i18n: 'notificationsText' }),
    alert,
    h('div', { class: 'choice' }, email, h('label', { for: email.id, i18n: p.contact.email === null ? 'notifyEmailMissing' : 'notifyEmail' })),
    h('div', { class: 'choice' }, push, h('label', { for: push.id, i18n: 'notifyPush' })),
    status,
  );
  const patchConsent = async (purpose: string, on: boolean) => {
    const current = profile?.consent.purposes ?? p.consent.purposes;
    profile = (await call<Profile>('registration', '/v1/helpers/me', { method: 'PATCH', token, body: { consent: withPurpose(current, purpose, on) } })).body;
  };
  email.addEventListener('change', () => {
    patchConsent('notify-email', email.checked).then(
      () => say('notifySaved'),
      (error: unknown) => {
        email.checked = !email.checked;
        showApiError(section, error);
      },
    );
  });
  push.addEventListener('change', () => {
    const on = push.checked;
    (async () => {
      const publicKey = profile?.notifications.push.publicKey ?? p.notifications.push.publicKey;
      if (!('serviceWorker' in navigator) || !('PushManager' in window) || publicKey === null) return 'pushUnsupported' as const;
      const registration = await navigator.serviceWorker.register('sw.js');
      if (!on) {
        const subscription = await registration.pushManager.getSubscription();
        if (subscription !== null) {
          await call('registration', `/v1/helpers/me/push-subscriptions?endpoint=${encodeURIComponent(subscription.endpoint)}`, { method: 'DELETE', token });
          await subscription.unsubscribe();
        }
        return 'pushOff' as const;
      }
      if ((await Notification.requestPermission()) !== 'granted') return 'pushDenied' as const;
      if (!(profile?.consent.purposes ?? p.consent.purposes).includes('notify-push')) await patchConsent('notify-push', true);
      let subscription: PushSubscription;
      try {
        // A browser that cannot reach its push service may never settle: give up after 10 s.
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('push service not reachable')), 10_000);
        });
        subscription = await Promise.race([registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: vapidKeyBytes(publicKey) }), timeout]).finally(() => clearTimeout(timer));
      } catch {
        // e.g. no push service reachable from this browser
        return 'pushFailed' as const;
      }
      await call('registration', '/v1/helpers/me/push-subscriptions', { method: 'PUT', token, body: subscription.toJSON() });
      return 'pushOn' as const;
    })().then(
      (result) => {
        if (result !== 'pushOn' && result !== 'pushOff') push.checked = false;
        say(result);
      },
      (error: unknown) => {
        push.checked = !on;
        showApiError(section, error);
      },
    );
  });
  return section;
}

/**
 * The accept link of a proposal mail (`me.html#assignment=…&key=…`): the key answers this one
 * proposal (services/common/src/action-link.ts), without the personal link.
 */
function answerFromLink(assignmentId: string, key: string): void {
  const result = h('p', { class: 'saved', role: 'status', id: 'link-result' });
  const alert = h('div', { class: 'form-alert', role: 'alert' });
  const buttons = (['accept', 'decline'] as const).map((decision) => {
    const button = h('button', { type: 'button', class: decision === 'accept' ? '' : 'secondary', i18n: decision });
    button.addEventListener('click', () => {
      call('matching', `/v1/assignments/${encodeURIComponent(assignmentId)}/${decision}`, { method: 'POST', token: `action.${key}` }).then(
        () => {
          for (const b of buttons) b.disabled = true;
          result.dataset.i18n = decision === 'accept' ? 'linkAccepted' : 'linkDeclined';
          result.textContent = t(decision === 'accept' ? 'linkAccepted' : 'linkDeclined');
        },
        (error: unknown) => showApiError(main(), error),
      );
    });
    return button;
  });
  main().replaceChildren(
    h('h1', { i18n: 'linkProposalTitle' }),
    h('section', { class: 'card proposal', 'data-assignment': assignmentId }, h('p', { i18n: 'linkProposalText' }), alert, h('div', { class: 'actions' }, ...buttons), result),
  );
}

function storedSection(p: Profile): HTMLElement {
  const purposes = p.consent.purposes.map((purpose) => {
    const key = `purpose${purpose.charAt(0).toUpperCase()}${purpose.slice(1)}`;
    return hasKey(key) ? h('li', { i18n: key }) : h('li', {}, purpose);
  });
  return h(
    'details',
    { class: 'stored' },
    h('summary', { i18n: 'storedTitle' }),
    h(
      'dl',
      { class: 'facts' },
      T('name', 'dt'),
      h('dd', {}, p.name),
      T('phone', 'dt'),
      h('dd', {}, p.contact.phone ?? '–'),
      T('email', 'dt'),
      h('dd', {}, p.contact.email ?? '–'),
      T('consentGiven', 'dt'),
      h('dd', {}, h('ul', {}, ...purposes)),
    ),
  );
}

async function start(): Promise<void> {
  reportFailedLoads();
  languageSwitch();
  const fromMail = new URLSearchParams(location.hash.slice(1));
  if (token === '' && fromMail.get('assignment') !== null && fromMail.get('key') !== null) {
    answerFromLink(fromMail.get('assignment') ?? '', fromMail.get('key') ?? '');
    return;
  }
  if (token === '') {
    main().replaceChildren(h('h1', { i18n: 'meTitle' }), h('p', { class: 'warning', role: 'alert', i18n: 'noToken' }));
    return;
  }
  try {
    profile = (await call<Profile>('registration', '/v1/helpers/me', { token })).body;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) invalidLink();
    else {
      main().replaceChildren(h('h1', { i18n: 'meTitle' }), h('div', { class: 'form-alert', role: 'alert' }));
      formAlert(main(), t('networkError'));
    }
    return;
  }
  const p = profile;
  main().replaceChildren(
    h('h1', { i18n: 'meTitle' }),
    h('p', { class: 'lead' }, h('span', { i18n: 'hello' }), ` ${p.name}`),
    sections.proposals,
    sections.accepted,
    h('section', { 'aria-labelledby': 'profile-title' }, h('h2', { id: 'profile-title', i18n: 'profileTitle' }), profileForm(p)),
    notificationsSection(p),
    pauseSection(p),
    joinSection(p),
    storedSection(p),
    deleteSection(),
  );
  renderProposals();
  renderAccepted();
  onLanguage(() => {
    renderProposals();
    renderAccepted();
  });
  await loadAssignments();
}

void start();
