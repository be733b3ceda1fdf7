/**
 * Labels of the controlled vocabularies. The codes come from @kathelfer/common/vocabulary (one
 * list for services and pages); labels belong to the pages.
 */
import { resources, skills, type Resource, type Skill } from '@kathelfer/common/vocabulary';
import { currentLang } from './i18n.js';

export { resources, skills };

const skillLabels: Record<Skill, [de: string, en: string]> = {
  'first-aid': ['Erste Hilfe', 'First aid'],
  paramedic: ['Rettungsdienst', 'Paramedic'],
  nursing: ['Pflege', 'Nursing'],
  'driving-licence-b': ['Führerschein B (Pkw)', 'Driving licence B (car)'],
  'driving-licence-be': ['Führerschein BE (Pkw mit Anhänger)', 'Driving licence BE (car with trailer)'],
  'driving-licence-c': ['Führerschein C (Lkw)', 'Driving licence C (truck)'],
  'driving-licence-ce': ['Führerschein CE (Lkw mit Anhänger)', 'Driving licence CE (truck with trailer)'],
  'heavy-machinery': ['Baumaschinen', 'Heavy machinery'],
  forklift: ['Gabelstapler', 'Forklift'],
  chainsaw: ['Motorsäge', 'Chainsaw'],
  boat: ['Boot fahren', 'Boat handling'],
  construction: ['Bau', 'Construction'],
  electrician: ['Elektrik', 'Electrician'],
  plumbing: ['Sanitär', 'Plumbing'],
  logistics: ['Logistik', 'Logistics'],
  cooking: ['Kochen', 'Cooking'],
  childcare: ['Kinderbetreuung', 'Childcare'],
  'elderly-care': ['Betreuung älterer Menschen', 'Elderly care'],
  'animal-care': ['Tierversorgung', 'Animal care'],
  'psychosocial-support': ['Psychosoziale Unterstützung', 'Psychosocial support'],
  it: ['IT', 'IT'],
  radio: ['Funk', 'Radio'],
  interpreting: ['Dolmetschen', 'Interpreting'],
  sandbagging: ['Sandsäcke füllen', 'Filling sandbags'],
};

const resourceLabels: Record<Resource, [de: string, en: string]> = {
  car: ['Pkw', 'Car'],
  van: ['Transporter', 'Van'],
  truck: ['Lkw', 'Truck'],
  trailer: ['Anhänger', 'Trailer'],
  tractor: ['Traktor', 'Tractor'],
  pump: ['Pumpe', 'Pump'],
  generator: ['Stromerzeuger', 'Generator'],
  chainsaw: ['Motorsäge', 'Chainsaw'],
  boat: ['Boot', 'Boat'],
  wheelbarrow: ['Schubkarre', 'Wheelbarrow'],
  shovel: ['Schaufel', 'Shovel'],
  ladder: ['Leiter', 'Ladder'],
};

const pick = (labels: [string, string] | undefined, code: string) => (labels === undefined ? code : labels[currentLang() === 'de' ? 0 : 1]);
export const skillLabel = (code: string): string => pick(skillLabels[code as Skill], code);
export const resourceLabel = (code: string): string => pick(resourceLabels[code as Resource], code);
