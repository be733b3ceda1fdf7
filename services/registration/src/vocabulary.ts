/**
 * The controlled vocabularies helpers choose from. Skills and resources are shared with the task
 * service (tasks require them), so they live in @kathelfer/common; consent purposes are this
 * service's own.
 */
export { resources, skills, type Resource, type Skill } from '@kathelfer/common/vocabulary';

/**
 * Consent purposes; `coordination` is the one without which a registration is pointless.
 * `notify-email` and `notify-push` opt into a notification channel (issue 17).
 */
export const consentPurposes = ['coordination', 'future-incidents', 'training-offers', 'statistics-contact', 'notify-email', 'notify-push'] as const;

export type ConsentPurpose = (typeof consentPurposes)[number];
