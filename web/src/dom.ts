/** A few DOM helpers instead of a framework: elements, labelled fields, problem documents on fields. */
import { ApiError, type FieldProblem } from './api.js';
import { applyLanguage, currentLang, problemMessage, setLang, t, type Key } from './i18n.js';

type Attr = string | number | boolean | undefined | ((event: Event) => void);
export type Child = Node | string | null | undefined | false;

/** `h('button', { type: 'button', onclick: fn }, 'text')`; `i18n: key` makes it a translated text. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, Attr> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value);
    else if (name === 'i18n') {
      el.dataset.i18n = String(value);
      el.textContent = t(value as Key);
    } else if (name === 'i18nLabel') {
      el.dataset.i18nLabel = String(value);
      el.setAttribute('aria-label', t(value as Key));
    } else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child);
  }
  return el;
}

/** A translated text. */
export const T = (key: Key, tag: 'span' | 'p' | 'h1' | 'h2' | 'h3' | 'strong' | 'legend' | 'label' | 'dt' = 'span') => h(tag, { i18n: key });

let ids = 0;
export const uid = (prefix: string) => `${prefix}-${++ids}`;

/**
 * A labelled field with its hint and its error line. `errorFor` is the API field path whose
 * problems appear here (`contact.phone`); the input points at both through aria-describedby.
 */
export function field(options: { label: Key; input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement; errorFor: string; hint?: Key }): HTMLDivElement {
  const { input } = options;
  input.id ||= uid('f');
  const error = h('p', { class: 'error', id: `${input.id}-error`, 'data-error-for': options.errorFor, 'data-input': input.id });
  const hint = options.hint === undefined ? undefined : h('p', { class: 'hint', id: `${input.id}-hint`, i18n: options.hint });
  input.setAttribute('aria-describedby', [hint?.id, error.id].filter(Boolean).join(' '));
  return h('div', { class: 'field' }, h('label', { for: input.id, i18n: options.label }), hint, input, error);
}

/** A group of checkboxes in a fieldset with a legend; values are the codes. */
export function checkboxes(options: { legend: Key; name: string; codes: readonly string[]; label: (code: string) => string; checked?: readonly string[]; errorFor: string; hint?: Key }): HTMLFieldSetElement {
  const set = h('fieldset', { class: 'choices' }, h('legend', { i18n: options.legend }));
  if (options.hint !== undefined) set.append(h('p', { class: 'hint', i18n: options.hint }));
  const list = h('div', { class: 'choice-list' });
  for (const code of options.codes) {
    const id = uid(options.name);
    const box = h('input', { type: 'checkbox', id, name: options.name, value: code, checked: options.checked?.includes(code) ?? false });
    list.append(h('div', { class: 'choice' }, box, h('label', { for: id, 'data-code': code }, options.label(code))));
  }
  set.append(list, h('p', { class: 'error', 'data-error-for': options.errorFor }));
  return set;
}

export function checkedValues(root: ParentNode, name: string): string[] {
  return [...root.querySelectorAll<HTMLInputElement>(`input[name="${name}"]:checked`)].map((i) => i.value);
}

/** Re-labels checkbox groups after a language switch. */
export function relabel(root: ParentNode, label: (code: string) => string, name: string): void {
  for (const input of root.querySelectorAll<HTMLInputElement>(`input[name="${name}"]`)) {
    const text = root.querySelector(`label[for="${input.id}"]`);
    if (text !== null) text.textContent = label(input.value);
  }
}

const pad = (n: number) => String(n).padStart(2, '0');
/** A date as a datetime-local value, in the browser's time zone. */
export function localInput(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
/** A datetime-local value as an ISO instant; '' stays '' (the API names the field). */
export function isoOf(value: string): string {
  if (value === '') return '';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

export interface AvailabilityEditor {
  element: HTMLFieldSetElement;
  values(): Array<{ from: string; to: string }>;
}

/** Time windows with add and remove; errors of `availability.N.from|to` land on window N. */
export function availabilityEditor(initial: Array<{ from: string; to: string }>): AvailabilityEditor {
  const list = h('div', { class: 'windows' });
  const element = h(
    'fieldset',
    { class: 'availability' },
    h('legend', { i18n: 'availabilityLegend' }),
    h('p', { class: 'hint', i18n: 'availabilityHint' }),
    list,
    h('p', { class: 'error', 'data-error-for': 'availability' }),
  );
  const renumber = () => {
    [...list.children].forEach((row, i) => {
      for (const el of row.querySelectorAll<HTMLElement>('[data-error-for]')) {
        el.dataset.errorFor = el.dataset.errorFor?.replace(/^availability\.\d+/, `availability.${i}`);
      }
      const title = row.querySelector('.window-number');
      if (title !== null) title.textContent = String(i + 1);
    });
  };
  const add = (w: { from: string; to: string }) => {
    const from = h('input', { type: 'datetime-local', value: w.from === '' ? '' : localInput(new Date(w.from)), class: 'from' });
    const to = h('input', { type: 'datetime-local', value: w.to === '' ? '' : localInput(new Date(w.to)), class: 'to' });
    const row = h(
      'div',
      { class: 'window' },
      h('p', { class: 'window-title' }, h('span', { i18n: 'window' }), ' ', h('span', { class: 'window-number' })),
      field({ label: 'from', input: from, errorFor: 'availability.0.from' }),
      field({ label: 'to', input: to, errorFor: 'availability.0.to' }),
      h('button', {
        type: 'button',
        class: 'link',
        i18n: 'removeWindow',
        onclick: () => {
          if (list.children.length > 1) row.remove();
          renumber();
        },
      }),
    );
    list.append(row);
    renumber();
  };
  for (const w of initial) add(w);
  element.append(h('button', { type: 'button', class: 'secondary', i18n: 'addWindow', onclick: () => add({ from: '', to: '' }) }));
  return {
    element,
    values: () =>
      [...list.querySelectorAll<HTMLElement>('.window')].map((row) => ({
        from: isoOf(row.querySelector<HTMLInputElement>('input.from')?.value ?? ''),
        to: isoOf(row.querySelector<HTMLInputElement>('input.to')?.value ?? ''),
      })),
  };
}

export function clearErrors(root: ParentNode): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-error-for]')) el.textContent = '';
  for (const el of root.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  root.querySelector('.form-alert')?.replaceChildren();
}

/**
 * Shows a 422 problem document's field errors next to their fields: each goes to the error line
 * whose path is the longest prefix of the failing field (`body.availability.0.to` → window 0's
 * "to"; `body.contact` → the contact group). Returns whether every error found a place.
 */
export function showFieldErrors(root: ParentNode, errors: readonly FieldProblem[]): boolean {
  const slots = [...root.querySelectorAll<HTMLElement>('[data-error-for]')];
  let placedAll = true;
  let first: HTMLElement | undefined;
  for (const problem of errors) {
    const path = problem.field.replace(/^body\./, '');
    let best: HTMLElement | undefined;
    for (const slot of slots) {
      const key = slot.dataset.errorFor ?? '';
      if ((path === key || path.startsWith(`${key}.`)) && key.length > (best?.dataset.errorFor?.length ?? -1)) best = slot;
    }
    if (best === undefined) {
      placedAll = false;
      continue;
    }
    const message = problemMessage(problem);
    best.textContent = best.textContent === '' ? message : `${best.textContent} ${message}`;
    const input = best.dataset.input === undefined ? best.closest('fieldset')?.querySelector('input') : document.getElementById(best.dataset.input);
    input?.setAttribute('aria-invalid', 'true');
    first ??= (input) ?? best;
  }
  first?.focus();
  return placedAll;
}

/** A message for the whole form (role=alert, read out by screen readers). */
export function formAlert(root: ParentNode, message: string): void {
  const alert = root.querySelector('.form-alert');
  alert?.replaceChildren(h('p', {}, message));
}

/** Puts an API error on the form: field errors next to their fields, the rest as an alert. */
export function showApiError(root: ParentNode, error: unknown, messages: Partial<Record<number, Key>> = {}): void {
  clearErrors(root);
  const apiError = error as Partial<ApiError>;
  const problem = apiError.problem;
  if (problem === undefined) {
    formAlert(root, t('networkError'));
    return;
  }
  const known = messages[problem.status];
  if (problem.status === 422 && problem.errors !== undefined) {
    const placed = showFieldErrors(root, problem.errors);
    formAlert(root, placed ? t('fixErrors') : `${t('fixErrors')} ${problem.errors.map((e) => `${e.field}: ${problemMessage(e)}`).join('; ')}`);
    return;
  }
  formAlert(root, known !== undefined ? t(known) : (problem.detail ?? problem.title ?? `HTTP ${problem.status}`));
}

/** The language switch in the header. */
export function languageSwitch(): void {
  const slot = document.getElementById('lang');
  if (slot === null) return;
  const button = h('button', { type: 'button', class: 'lang', i18n: 'switchTo', i18nLabel: 'switchToLabel', lang: currentLang() === 'de' ? 'en' : 'de' });
  button.addEventListener('click', () => {
    setLang(currentLang() === 'de' ? 'en' : 'de');
    button.lang = currentLang() === 'de' ? 'en' : 'de';
  });
  slot.replaceChildren(button);
  const skip = document.querySelector<HTMLElement>('.skip');
  if (skip !== null) skip.dataset.i18n = 'skip';
  applyLanguage();
}

export function main(): HTMLElement {
  const el = document.getElementById('main');
  if (el === null) throw new Error('the page has no <main id="main">');
  return el;
}

/**
 * Background loads (refreshes, polling) run without a form to show their error on: a failed one
 * becomes a banner above the page instead of an unhandled rejection.
 */
export function reportFailedLoads(): void {
  window.addEventListener('unhandledrejection', (event) => {
    const reason: unknown = event.reason;
    if (!(reason instanceof ApiError) && !(reason instanceof TypeError)) return;
    event.preventDefault();
    // The pages answer a rejected token themselves (sign-in again, or "this link is not valid").
    if (reason instanceof ApiError && (reason.status === 401 || reason.status === 403)) return;
    const message = reason instanceof ApiError ? (reason.problem.detail ?? reason.problem.title ?? `HTTP ${reason.status}`) : t('networkError');
    let banner = document.getElementById('load-error');
    if (banner === null) {
      banner = h('div', { id: 'load-error', class: 'form-alert', role: 'alert' });
      main().prepend(banner);
    }
    banner.replaceChildren(h('p', {}, message));
  });
}
