/**
 * Staff (coordinators, site leads) sign in through the authority's OIDC provider with oidc-client-ts:
 * Authorization Code with PKCE (RFC 7636) on the provider's own login page, the redirect back to this
 * same page. Tokens live in this tab's sessionStorage only (gone when the tab closes; never
 * localStorage); the access token is renewed with the refresh token before it expires, and the
 * provider decides anew each time which groups the person has — who was removed from a group loses
 * it at the next renewal. Signing out ends the session at the provider, not only on this page.
 * Volunteers never sign in here: they keep their self-service link.
 */
import { UserManager, WebStorageStateStore, type User } from 'oidc-client-ts';
import { webConfig } from './api.js';

export interface StaffSession {
  accessToken: string;
  /** The provider's display name or username, for the page header. */
  name: string;
}

let manager: Promise<UserManager | undefined> | undefined;
let current: User | null = null;
const listeners = new Set<(session: StaffSession | undefined) => void>();

const thisPage = () => `${location.origin}${location.pathname}`;

function sessionOf(user: User | null): StaffSession | undefined {
  if (user === null || user.expired === true) return undefined;
  const profile = user.profile;
  return { accessToken: user.access_token, name: profile.name ?? profile.preferred_username ?? profile.sub };
}

/** The sign-in of these pages, or undefined when the services trust no provider (then there is none). */
export function signInManager(): Promise<UserManager | undefined> {
  manager ??= webConfig().then((config) => {
    if (config.signIn === null) return undefined;
    const store = new WebStorageStateStore({ store: sessionStorage });
    const userManager = new UserManager({
      authority: config.signIn.authority,
      client_id: config.signIn.clientId,
      redirect_uri: thisPage(),
      post_logout_redirect_uri: thisPage(),
      response_type: 'code',
      scope: 'openid',
      userStore: store,
      stateStore: store,
      // Renewal by refresh token (fetch to the token endpoint): no hidden iframe, so the CSP needs no frame-src.
      automaticSilentRenew: true,
      monitorSession: false,
      loadUserInfo: false,
    });
    userManager.events.addUserLoaded((user) => {
      current = user;
      for (const listener of listeners) listener(sessionOf(user));
    });
    const ended = () => {
      current = null;
      for (const listener of listeners) listener(undefined);
    };
    userManager.events.addUserUnloaded(ended);
    userManager.events.addSilentRenewError(() => void userManager.removeUser());
    return userManager;
  });
  return manager;
}

/**
 * The signed-in session after this page load: finishes a sign-in when the provider just redirected
 * back here (and puts the page's own query back in the address bar), else the stored one.
 */
export async function restoreSession(): Promise<StaffSession | undefined> {
  const userManager = await signInManager();
  if (userManager === undefined) return undefined;
  const params = new URLSearchParams(location.search);
  if (params.has('state') && (params.has('code') || params.has('error'))) {
    try {
      current = await userManager.signinRedirectCallback();
      const back = (current.state as { search?: string } | undefined)?.search ?? '';
      history.replaceState(null, '', `${location.pathname}${back}`);
    } catch {
      history.replaceState(null, '', location.pathname);
      current = null;
    }
  } else {
    current = await userManager.getUser();
  }
  return sessionOf(current);
}

/** Goes to the provider's login page; back on this page (with its query) once signed in. */
export async function signIn(): Promise<void> {
  const userManager = await signInManager();
  await userManager?.signinRedirect({ state: { search: location.search } });
}

/** Ends the session here and at the provider (RP-initiated logout), then back to this page. */
export async function signOut(): Promise<void> {
  const userManager = await signInManager();
  if (userManager === undefined) return;
  const user = current ?? (await userManager.getUser());
  await userManager.removeUser();
  await userManager.signoutRedirect(user?.id_token === undefined ? {} : { id_token_hint: user.id_token });
}

/** Forgets the tokens here (a refused token), without leaving the page. */
export async function forgetSession(): Promise<void> {
  await (await signInManager())?.removeUser();
}

/** The access token now (renewed in the background), or undefined when signed out. */
export function accessToken(): string | undefined {
  return sessionOf(current)?.accessToken;
}

/** Called with the new session after each renewal, and with undefined when it ends. */
export function onSessionChange(listener: (session: StaffSession | undefined) => void): void {
  listeners.add(listener);
}
