/**
 * Versions of the consent text a helper can agree to. A new text gets a new version here when it
 * is published; older versions stay accepted while clients showing them are still around.
 * `2026-02` adds the notification channels (issue 17): e-mail and Web Push, each a purpose of its
 * own (`notify-email`, `notify-push`) that only this text describes.
 */
export const consentTextVersions = ['2026-01', '2026-02'] as const;
export const currentConsentVersion = '2026-02';

/** Purposes the 2026-01 text does not describe, so it cannot be agreed to with them. */
export const purposesSince: Record<string, string> = { 'notify-email': '2026-02', 'notify-push': '2026-02' };
