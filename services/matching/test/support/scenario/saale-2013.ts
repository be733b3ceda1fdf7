/**
 * A seeded generator shaped like the June 2013 Saale flood around Halle (Saale), for the benchmark
 * at realistic sizes. The Saale peaked in Halle on 4 June 2013 (Halle-Trotha ≈ 8.1 m) and the
 * Gimritzer Damm between Halle-Neustadt and the Peißnitz nearly failed; thousands of spontaneous
 * volunteers filled sandbags and watched dikes from Naumburg down to Bernburg.
 *
 * Shape: helpers live in the towns of the region (weights ≈ population, Leipzig only as commuters
 * with longer travel), sites lie along the Saale on a polyline through approximate real
 * coordinates, two days of shifts. Demand is generated per SLOT (one unit of a shift's headcount),
 * so instance size is controlled by helpers and slots independently. It is contested by
 * construction: most sites are far from Halle where most helpers live, many helpers offer one short
 * window, night shifts and skilled tasks are scarce — a good plan has to choose, and the priority
 * tiers make those choices visible. Coordinates are approximate (±1 km); not engine code; no I/O.
 */
import type { GeoPoint, Helper, Priority, Shift, Site } from '../../../src/engine/model.js';
import { rng } from '../../../src/engine/random.js';
import { gauss, pick, pickWeighted } from './sampling.js';

export interface SaaleOptions {
  helpers: number;
  /** Total headcount over all shifts; a shift of headcount 4 is 4 slots. */
  slots: number;
  /** @default 2013 */
  seed?: number;
  /** Sites per slot. @default 0.05 */
  sitesPerSlot?: number;
}

export interface SaaleScenario {
  helpers: Helper[];
  shifts: Shift[];
  sites: Site[];
}

/** 4 June 2013, 00:00 Europe/Berlin (UTC+2), the day the Saale crested in Halle. */
export const SAALE_START = Date.UTC(2013, 5, 3, 22, 0);
const HOUR = 3_600_000;
const DAYS = 2;

interface Town {
  name: string;
  at: GeoPoint;
  /** Residents in thousands, the weight for where helpers live. */
  weight: number;
  /** Spread of the town in km (standard deviation). */
  spreadKm: number;
  /** Commuters travel further: their travel radius is drawn from this list instead. */
  commuters?: boolean;
}

export const TOWNS: readonly Town[] = [
  { name: 'Halle (Saale)', at: { lat: 51.4828, lon: 11.9697 }, weight: 190, spreadKm: 3 },
  { name: 'Halle-Neustadt', at: { lat: 51.4795, lon: 11.9110 }, weight: 45, spreadKm: 1.5 },
  { name: 'Merseburg', at: { lat: 51.3545, lon: 11.9928 }, weight: 34, spreadKm: 1.5 },
  { name: 'Leuna', at: { lat: 51.3175, lon: 12.0150 }, weight: 14, spreadKm: 1.2 },
  { name: 'Bad Dürrenberg', at: { lat: 51.2955, lon: 12.0655 }, weight: 11, spreadKm: 1 },
  { name: 'Weißenfels', at: { lat: 51.2003, lon: 11.9688 }, weight: 40, spreadKm: 1.5 },
  { name: 'Naumburg (Saale)', at: { lat: 51.1526, lon: 11.8098 }, weight: 32, spreadKm: 1.5 },
  { name: 'Wettin', at: { lat: 51.5850, lon: 11.8090 }, weight: 5, spreadKm: 1 },
  { name: 'Könnern', at: { lat: 51.6710, lon: 11.7730 }, weight: 8, spreadKm: 1 },
  { name: 'Bernburg (Saale)', at: { lat: 51.7950, lon: 11.7390 }, weight: 33, spreadKm: 1.5 },
  { name: 'Schkeuditz', at: { lat: 51.3960, lon: 12.2210 }, weight: 18, spreadKm: 1.2, commuters: true },
  { name: 'Leipzig', at: { lat: 51.3397, lon: 12.3731 }, weight: 40, spreadKm: 3, commuters: true },
];

/**
 * The Saale from Bad Kösen to Bernburg, downstream, with how much flood work each reach drew
 * (weight per reach; Halle's reach includes the Gimritzer Damm and Halle-Neustadt).
 */
export const SAALE: readonly { at: GeoPoint; work: number }[] = [
  { at: { lat: 51.1340, lon: 11.7200 }, work: 1 }, // Bad Kösen
  { at: { lat: 51.1600, lon: 11.8250 }, work: 2 }, // Naumburg
  { at: { lat: 51.2020, lon: 11.9640 }, work: 1.5 }, // Weißenfels
  { at: { lat: 51.2960, lon: 12.0560 }, work: 1 }, // Bad Dürrenberg
  { at: { lat: 51.3560, lon: 11.9990 }, work: 1 }, // Merseburg
  { at: { lat: 51.4200, lon: 11.9780 }, work: 2 }, // Halle south (Planena, Röpzig)
  { at: { lat: 51.4870, lon: 11.9300 }, work: 0.5 }, // Gimritzer Damm, Peißnitz
  { at: { lat: 51.5150, lon: 11.9380 }, work: 1.5 }, // Halle-Kröllwitz, Trotha
  { at: { lat: 51.5850, lon: 11.8150 }, work: 1 }, // Wettin
  { at: { lat: 51.6650, lon: 11.7800 }, work: 1.5 }, // Könnern, Rothenburg
  { at: { lat: 51.7950, lon: 11.7430 }, work: 0 }, // Bernburg
];

type SiteKind = 'dike' | 'town';

interface TaskKind {
  name: string;
  weight: number;
  site: SiteKind;
  skills: string[][];
  resources: string[][];
  headcount: [number, number];
  priority: Priority[];
  /** Local start hours to draw from. */
  starts: number[];
}

const DAY = [6, 8, 10, 14];
const ROUND_THE_CLOCK = [6, 10, 14, 18, 22];
const TASKS: readonly TaskKind[] = [
  { name: 'dike-sandbags', weight: 34, site: 'dike', skills: [[]], resources: [[], ['waders']], headcount: [4, 16], priority: [4, 5, 5], starts: ROUND_THE_CLOCK },
  { name: 'sandbag-filling', weight: 20, site: 'dike', skills: [[]], resources: [[]], headcount: [6, 20], priority: [3, 3, 4], starts: ROUND_THE_CLOCK },
  { name: 'dike-watch', weight: 6, site: 'dike', skills: [[], ['first-aid']], resources: [['car']], headcount: [2, 4], priority: [4, 5], starts: [18, 22] },
  { name: 'evacuation', weight: 6, site: 'town', skills: [[]], resources: [['car']], headcount: [2, 6], priority: [5], starts: DAY },
  { name: 'first-aid', weight: 5, site: 'dike', skills: [['first-aid'], ['paramedic']], resources: [[]], headcount: [1, 3], priority: [5, 4], starts: ROUND_THE_CLOCK },
  { name: 'shelter', weight: 7, site: 'town', skills: [['care'], []], resources: [[]], headcount: [2, 6], priority: [2, 3], starts: [6, 14, 22] },
  { name: 'catering', weight: 7, site: 'town', skills: [['food-hygiene']], resources: [[]], headcount: [2, 5], priority: [1, 2], starts: [6, 10, 14] },
  { name: 'transport', weight: 5, site: 'dike', skills: [['licence-c']], resources: [['van'], []], headcount: [1, 2], priority: [3, 4], starts: DAY },
  { name: 'cellar-pumps', weight: 5, site: 'town', skills: [[]], resources: [['pump']], headcount: [1, 2], priority: [2, 3], starts: DAY },
  { name: 'mud', weight: 8, site: 'town', skills: [[]], resources: [['waders'], []], headcount: [3, 8], priority: [1, 1, 2], starts: DAY },
  { name: 'interpreting', weight: 1, site: 'town', skills: [['interpreter-ar'], ['interpreter-ru']], resources: [[]], headcount: [1, 1], priority: [1, 2], starts: DAY },
];

const SKILLS: readonly [string, number][] = [
  ['first-aid', 0.3], ['care', 0.08], ['paramedic', 0.03], ['food-hygiene', 0.06], ['licence-c', 0.05],
  ['interpreter-ar', 0.01], ['interpreter-ru', 0.02],
];
const RESOURCES: readonly [string, number][] = [['car', 0.45], ['waders', 0.2], ['van', 0.04], ['pump', 0.03]];
/** Radius in km the helper will travel: most will go across town, few to the next town. */
const TRAVEL: readonly [number, number][] = [[5, 0.35], [10, 0.3], [15, 0.2], [25, 0.1], [40, 0.05]];
const COMMUTER_TRAVEL: readonly [number, number][] = [[30, 0.3], [40, 0.4], [60, 0.3]];

const KM_LAT = 1 / 111.2;
const kmLon = (lat: number) => 1 / (111.2 * Math.cos((lat * Math.PI) / 180));
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

function offset(p: GeoPoint, dxKm: number, dyKm: number): GeoPoint {
  return { lat: round6(p.lat + dyKm * KM_LAT), lon: round6(p.lon + dxKm * kmLon(p.lat)) };
}

/** A point on the river: a reach drawn by its work weight, a uniform position within it, up to ~0.5 km off the bank line. */
function onRiver(r: () => number): GeoPoint {
  const reaches = SAALE.slice(0, -1).map((p, i) => [i, p.work] as const);
  const i = pickWeighted(r, reaches);
  const a = SAALE[i]!.at;
  const b = SAALE[i + 1]!.at;
  const t = r();
  return offset({ lat: a.lat + (b.lat - a.lat) * t, lon: a.lon + (b.lon - a.lon) * t }, gauss(r) * 0.4, gauss(r) * 0.4);
}

/** Shelters, catering, evacuation and cellars are in the riverside towns, not on the dike. */
function inTown(r: () => number): GeoPoint {
  const riverside = TOWNS.filter((t) => !t.commuters).map((t) => [t, t.weight] as const);
  const town = pickWeighted(r, riverside);
  return offset(town.at, gauss(r) * town.spreadKm, gauss(r) * town.spreadKm);
}

export function saaleFlood(o: SaaleOptions): SaaleScenario {
  const r = rng(o.seed ?? 2013);
  const siteCount = { dike: 0, town: 0 };
  const total = Math.max(2, Math.round(o.slots * (o.sitesPerSlot ?? 0.05)));
  siteCount.dike = Math.max(1, Math.round(total * 0.7));
  siteCount.town = Math.max(1, total - siteCount.dike);
  const sites: Site[] = [];
  const sitePos: GeoPoint[] = [];
  const byKind: Record<SiteKind, number[]> = { dike: [], town: [] };
  for (const kind of ['dike', 'town'] as const) {
    for (let i = 0; i < siteCount[kind]; i++) {
      byKind[kind].push(sites.length);
      const capacity = kind === 'dike' ? 20 + Math.floor(r() * 61) : 8 + Math.floor(r() * 23);
      sites.push({ id: `site-${kind}-${String(i).padStart(4, '0')}`, capacity });
      sitePos.push(kind === 'dike' ? onRiver(r) : inTown(r));
    }
  }

  const kinds = TASKS.map((t) => [t, t.weight] as const);
  const shifts: Shift[] = [];
  for (let left = o.slots, i = 0; left > 0; i++) {
    const kind = pickWeighted(r, kinds);
    const site = pick(r, byKind[kind.site]);
    const day = Math.floor(r() * DAYS);
    const startLocal = pick(r, kind.starts);
    const hours = pick(r, [4, 6, 8]);
    const start = SAALE_START + (day * 24 + startLocal) * HOUR;
    const [lo, hi] = kind.headcount;
    const headcount = Math.min(left, lo + Math.floor(r() * (hi - lo + 1)));
    left -= headcount;
    shifts.push({
      id: `shift-${String(i).padStart(6, '0')}`,
      taskId: `task-${kind.name}-${sites[site]!.id}`,
      siteId: sites[site]!.id,
      location: sitePos[site]!,
      requiredSkills: pick(r, kind.skills),
      requiredResources: pick(r, kind.resources),
      headcount,
      start,
      end: start + hours * HOUR,
      priority: pick(r, kind.priority),
    });
  }

  const towns = TOWNS.map((t) => [t, t.weight] as const);
  const helpers: Helper[] = [];
  for (let i = 0; i < o.helpers; i++) {
    const town = pickWeighted(r, towns);
    const availability = [];
    if (r() < 0.03) {
      availability.push({ start: SAALE_START, end: SAALE_START + DAYS * 24 * HOUR });
    } else {
      // Most spontaneous volunteers offer one window on one day, some on both, after work or a morning.
      const both = r() < 0.2;
      const first = Math.floor(r() * DAYS);
      for (let d = 0; d < DAYS; d++) {
        if (d !== first && !both) continue;
        const from = SAALE_START + (d * 24 + 6 + Math.floor(r() * 14)) * HOUR;
        availability.push({ start: from, end: from + (3 + Math.floor(r() * 8)) * HOUR });
      }
    }
    helpers.push({
      id: `helper-${String(i).padStart(6, '0')}`,
      skills: SKILLS.filter(([, p]) => r() < p).map(([s]) => s),
      resources: RESOURCES.filter(([, p]) => r() < p).map(([s]) => s),
      location: offset(town.at, gauss(r) * town.spreadKm, gauss(r) * town.spreadKm),
      maxTravelKm: pickWeighted(r, town.commuters ? COMMUTER_TRAVEL : TRAVEL),
      availability,
      maxHoursPerDay: pick(r, [4, 6, 8, 8, 10, 12]),
    });
  }
  return { helpers, shifts, sites };
}
