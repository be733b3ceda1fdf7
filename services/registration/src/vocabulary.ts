/**
 * The controlled vocabularies helpers choose from. Matching compares these codes, so free text is
 * never accepted where a code is expected. Codes are stable; labels belong to the web pages.
 */
export const skills = [
  'first-aid',
  'paramedic',
  'nursing',
  'driving-licence-b',
  'driving-licence-be',
  'driving-licence-c',
  'driving-licence-ce',
  'heavy-machinery',
  'forklift',
  'chainsaw',
  'boat',
  'construction',
  'electrician',
  'plumbing',
  'logistics',
  'cooking',
  'childcare',
  'elderly-care',
  'animal-care',
  'psychosocial-support',
  'it',
  'radio',
  'interpreting',
  'sandbagging',
] as const;

export const resources = ['car', 'van', 'truck', 'trailer', 'tractor', 'pump', 'generator', 'chainsaw', 'boat', 'wheelbarrow', 'shovel', 'ladder'] as const;

/** Consent purposes; `coordination` is the one without which a registration is pointless. */
export const consentPurposes = ['coordination', 'future-incidents', 'training-offers', 'statistics-contact'] as const;

export type Skill = (typeof skills)[number];
export type Resource = (typeof resources)[number];
export type ConsentPurpose = (typeof consentPurposes)[number];
