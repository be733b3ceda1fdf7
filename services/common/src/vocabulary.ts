/**
 * The controlled vocabularies of skills and resources that helpers offer and tasks require.
 * Matching compares these codes across services, so they live here once; codes are stable, labels
 * belong to the web pages.
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

export type Skill = (typeof skills)[number];
export type Resource = (typeof resources)[number];
