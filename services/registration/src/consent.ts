/**
 * Versions of the consent text a helper can agree to. A new text gets a new version here when it
 * is published; older versions stay accepted while clients showing them are still around.
 */
export const consentTextVersions = ['2026-01'] as const;
export const currentConsentVersion = '2026-01';
