/**
 * The registration page: every field POST /v1/helpers takes, the consent texts, separate opt-ins.
 * Validation is the API's: a 422 problem document puts each failing field's message next to it, so
 * page and API never disagree. On success the personal self-service link is shown once, with its QR
 * code.
 */
import type { consentPurposes } from '@kathelfer/registration/vocabulary';
import { currentConsentVersion } from '@kathelfer/registration/consent';
import { ApiError, call, webConfig } from './api.js';
import { availabilityEditor, checkboxes, checkedValues, clearErrors, field, h, languageSwitch, main, relabel, showApiError, T } from './dom.js';
import { currentLang, onLanguage, t } from './i18n.js';
import type { RegistrationCreated } from '@kathelfer/contracts/api/registration';
import { qrCanvas } from './qr.js';
import { resourceLabel, resources, skillLabel, skills } from './vocab.js';

const optIns: Array<{ purpose: (typeof consentPurposes)[number]; label: 'optInEmail' | 'optInFuture' | 'optInTraining' | 'optInStatistics' }> = [
  { purpose: 'notify-email', label: 'optInEmail' },
  { purpose: 'future-incidents', label: 'optInFuture' },
  { purpose: 'training-offers', label: 'optInTraining' },
  { purpose: 'statistics-contact', label: 'optInStatistics' },
];

function numberOrUndefined(input: HTMLInputElement): number | undefined {
  return input.value.trim() === '' ? undefined : Number(input.value);
}

/**
 * The personal link carries the token in the URL fragment (#token=…): browsers never send the
 * fragment to a server, so the token appears in no access log, proxy log or Referer header.
 */
async function selfServiceLink(token: string): Promise<string> {
  const { registrationUrl } = await webConfig();
  const page = registrationUrl === '' ? new URL('me.html', location.href) : new URL(`${registrationUrl}/me.html`);
  page.search = '';
  page.hash = `token=${encodeURIComponent(token)}`;
  return page.toString();
}

function render(): void {
  const params = new URLSearchParams(location.search);
  const incident = h('input', { type: 'text', name: 'incidentId', value: params.get('incident') ?? '', autocomplete: 'off', spellcheck: 'false' });
  const name = h('input', { type: 'text', name: 'name', autocomplete: 'name' });
  const phone = h('input', { type: 'tel', id: 'phone', name: 'phone', autocomplete: 'tel', inputmode: 'tel' });
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'email' });
  const postalCode = h('input', { type: 'text', id: 'postal-code', name: 'postalCode', autocomplete: 'postal-code', inputmode: 'numeric', maxlength: 5 });
  const latitude = h('input', { type: 'number', step: 'any', min: -90, max: 90, id: 'latitude', inputmode: 'decimal' });
  const longitude = h('input', { type: 'number', step: 'any', min: -180, max: 180, id: 'longitude', inputmode: 'decimal' });
  const located = h('p', { class: 'saved', role: 'status' });
  const manual = h(
    'details',
    {},
    h('summary', { i18n: 'coordinatesManual' }),
    field({ label: 'latitude', input: latitude, errorFor: 'location.coordinates.latitude' }),
    field({ label: 'longitude', input: longitude, errorFor: 'location.coordinates.longitude' }),
  );
  const locate = h('button', {
    type: 'button',
    class: 'secondary',
    id: 'use-location',
    i18n: 'useLocation',
    onclick: () => {
      located.textContent = '';
      const failed = () => {
        located.textContent = t('locationFailed');
        manual.open = true;
      };
      if (!('geolocation' in navigator)) return failed();
      navigator.geolocation.getCurrentPosition(
        (position) => {
          // About 100 m is plenty for proposals; the service coarsens further for matching.
          latitude.value = position.coords.latitude.toFixed(3);
          longitude.value = position.coords.longitude.toFixed(3);
          located.textContent = t('locationSet');
        },
        failed,
        { enableHighAccuracy: false, timeout: 15_000, maximumAge: 600_000 },
      );
    },
  });
  const maxTravelKm = h('input', { type: 'number', name: 'maxTravelKm', min: 1, max: 500, value: 25, inputmode: 'numeric' });
  const languages = h('input', { type: 'text', name: 'languages', value: 'de', autocomplete: 'off' });
  const maxHours = h('input', { type: 'number', name: 'maxHoursPerDay', min: 1, max: 16, value: 8, inputmode: 'numeric' });
  const adult = h('input', { type: 'checkbox', name: 'adultConfirmed', id: 'adult' });
  const coordination = h('input', { type: 'checkbox', name: 'consent', value: 'coordination', id: 'consent-coordination' });
  const hour = 3600_000;
  const start = new Date(Math.ceil(Date.now() / hour) * hour);
  const availability = availabilityEditor([{ from: start.toISOString(), to: new Date(start.getTime() + 8 * hour).toISOString() }]);
  const skillSet = checkboxes({ legend: 'skillsLegend', hint: 'skillsHint', name: 'skills', codes: skills, label: skillLabel, errorFor: 'skills' });
  const resourceSet = checkboxes({ legend: 'resourcesLegend', name: 'resources', codes: resources, label: resourceLabel, errorFor: 'resources' });
  const submit = h('button', { type: 'submit', class: 'primary', i18n: 'submit' });

  const consent = h(
    'fieldset',
    { class: 'consent' },
    T('consentLegend', 'legend'),
    h(
      'dl',
      {},
      T('consentWhatTitle', 'dt'),
      h('dd', { i18n: 'consentWhat' }),
      T('consentPurposeTitle', 'dt'),
      h('dd', { i18n: 'consentPurpose' }),
      T('consentHowLongTitle', 'dt'),
      h('dd', { i18n: 'consentHowLong' }),
      T('consentDeleteTitle', 'dt'),
      h('dd', { i18n: 'consentDelete' }),
    ),
    h('div', { class: 'choice' }, coordination, h('label', { for: coordination.id, i18n: 'consentCoordination' })),
    h('p', { class: 'error', 'data-error-for': 'consent', 'data-input': coordination.id }),
    h(
      'fieldset',
      { class: 'choices' },
      T('optInsLegend', 'legend'),
      ...optIns.map(({ purpose, label }) =>
        h('div', { class: 'choice' }, h('input', { type: 'checkbox', name: 'optIn', value: purpose, id: `opt-${purpose}` }), h('label', { for: `opt-${purpose}`, i18n: label })),
      ),
    ),
  );

  const form = h(
    'form',
    { novalidate: true, class: 'stack', 'aria-labelledby': 'register-title' },
    h('div', { class: 'form-alert', role: 'alert' }),
    field({ label: 'incident', input: incident, errorFor: 'incidentId', hint: 'incidentHint' }),
    field({ label: 'name', input: name, errorFor: 'name' }),
    h(
      'fieldset',
      {},
      T('contactLegend', 'legend'),
      h('p', { class: 'hint', i18n: 'contactHint' }),
      h('p', { class: 'error', 'data-error-for': 'contact', 'data-input': phone.id }),
      field({ label: 'phone', input: phone, errorFor: 'contact.phone' }),
      field({ label: 'email', input: email, errorFor: 'contact.email' }),
    ),
    h(
      'fieldset',
      {},
      T('locationLegend', 'legend'),
      h('p', { class: 'hint', i18n: 'locationHint' }),
      h('p', { class: 'error', 'data-error-for': 'location', 'data-input': 'postal-code' }),
      field({ label: 'postalCode', input: postalCode, errorFor: 'location.postalCode', hint: 'postalCodeHint' }),
      locate,
      located,
      manual,
    ),
    field({ label: 'maxTravelKm', input: maxTravelKm, errorFor: 'maxTravelKm' }),
    skillSet,
    field({ label: 'languages', input: languages, errorFor: 'languages', hint: 'languagesHint' }),
    resourceSet,
    availability.element,
    field({ label: 'maxHoursPerDay', input: maxHours, errorFor: 'maxHoursPerDay', hint: 'maxHoursPerDayHint' }),
    h('div', { class: 'choice' }, adult, h('label', { for: adult.id, i18n: 'adult' })),
    h('p', { class: 'error', 'data-error-for': 'adultConfirmed', 'data-input': adult.id }),
    consent,
    submit,
  );

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const contact: Record<string, string> = {};
    if (phone.value.trim() !== '') contact.phone = phone.value.trim();
    if (email.value.trim() !== '') contact.email = email.value.trim();
    const body = {
      ...(incident.value.trim() === '' ? {} : { incidentId: incident.value.trim() }),
      name: name.value,
      contact,
      location: {
        ...(postalCode.value.trim() === '' ? {} : { postalCode: postalCode.value.trim() }),
        ...(latitude.value === '' && longitude.value === '' ? {} : { coordinates: { latitude: Number(latitude.value), longitude: Number(longitude.value) } }),
      },
      maxTravelKm: numberOrUndefined(maxTravelKm),
      skills: checkedValues(form, 'skills'),
      languages: languages.value.split(/[\s,;]+/).filter((l) => l !== ''),
      resources: checkedValues(form, 'resources'),
      availability: availability.values(),
      maxHoursPerDay: numberOrUndefined(maxHours),
      adultConfirmed: adult.checked,
      consent: { version: currentConsentVersion, purposes: [...(coordination.checked ? ['coordination'] : []), ...checkedValues(form, 'optIn')] },
      // notifications are written in the language the page is read in
      locale: currentLang(),
    };
    submit.disabled = true;
    submit.textContent = t('submitting');
    clearErrors(form);
    // A retried submission (a dropped connection on a phone) must not register twice.
    const key = (form.dataset.idempotencyKey ??= crypto.randomUUID());
    call<RegistrationCreated>('registration', '/v1/helpers', { method: 'POST', body, headers: { 'Idempotency-Key': key } })
      .then(async ({ body: created }) => {
        await confirmation(await selfServiceLink(created.token));
      })
      .catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 422) delete form.dataset.idempotencyKey;
        // From another incident's appeal link: say where to join it (self-service), not only "registered".
        showApiError(form, error, { 409: incident.value.trim() === '' ? 'alreadyRegistered' : 'alreadyRegisteredJoin', 429: 'tooMany' });
      })
      .finally(() => {
        submit.disabled = false;
        submit.textContent = t('submit');
      });
  });

  onLanguage(() => {
    relabel(skillSet, skillLabel, 'skills');
    relabel(resourceSet, resourceLabel, 'resources');
  });
  main().replaceChildren(h('h1', { id: 'register-title', i18n: 'registerTitle' }), h('p', { class: 'lead', i18n: 'registerIntro' }), form);
}

async function confirmation(link: string): Promise<void> {
  const copied = h('span', { class: 'copied', role: 'status' });
  const linkField = h('input', { type: 'text', readonly: true, value: link, id: 'self-service-link-text', class: 'link-text' });
  const copy = h('button', {
    type: 'button',
    class: 'secondary',
    i18n: 'copyLink',
    onclick: () => {
      linkField.select();
      const done = () => (copied.textContent = t('copied'));
      navigator.clipboard?.writeText(link).then(done, () => document.execCommand('copy') && done());
    },
  });
  const section = h(
    'section',
    { class: 'confirmation', 'aria-labelledby': 'done-title' },
    h('h1', { id: 'done-title', tabindex: '-1', i18n: 'doneTitle' }),
    h('p', { class: 'warning', role: 'note' }, h('strong', { i18n: 'linkWarning' })),
    h('div', { class: 'field' }, h('label', { for: linkField.id, i18n: 'yourLink' }), linkField),
    h('p', { class: 'actions' }, copy, ' ', copied),
    h('p', {}, h('a', { href: link, id: 'self-service-link', class: 'button primary', i18n: 'openLink' })),
    qrCanvas(link, t('qrLabel')),
  );
  main().replaceChildren(section);
  section.querySelector<HTMLElement>('h1')?.focus();
  await Promise.resolve();
}

languageSwitch();
render();
