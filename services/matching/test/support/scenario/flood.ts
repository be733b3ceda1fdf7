/**
 * A seeded generator of flood scenarios for tests and the benchmark: towns along a river in a
 * Landkreis-sized box (the Ahr valley's size by default), helpers clustered in the towns, shifts of
 * typical flood tasks (sandbags, mud clearing, shelters, first aid, transport, pumps, chainsaws)
 * with the skill and resource mix those need. Not engine code; no I/O.
 */
import type { Helper, Priority, Shift, Site } from '../../../src/engine/model.js';
import { rng } from '../../../src/engine/random.js';
import { gauss, pick, pickWeighted } from './sampling.js';

export { rng };

export interface ScenarioOptions {
  helpers: number;
  shifts: number;
  seed?: number;
  /** Box size in km. @default 50 × 40 (a Landkreis) */
  widthKm?: number;
  heightKm?: number;
  days?: number;
  /** Sites per shift. @default 0.1 */
  sitesPerShift?: number;
  /** Scales every shift's headcount, to make helpers scarcer or more plentiful. @default 1 */
  headcountScale?: number;
  /** Site capacities are drawn from [min, max]. @default [10, 59] */
  siteCapacity?: [number, number];
}

export interface Scenario {
  helpers: Helper[];
  shifts: Shift[];
  sites: Site[];
}

export const SCENARIO_START = Date.UTC(2026, 6, 14, 0, 0); // 14 July, as in 2021

interface TaskKind {
  name: string;
  weight: number;
  skills: string[][];
  resources: string[][];
  headcount: [number, number];
  priority: Priority[];
}

const TASKS: TaskKind[] = [
  { name: 'sandbags', weight: 30, skills: [[]], resources: [[]], headcount: [4, 16], priority: [4, 5, 5] },
  { name: 'mud', weight: 25, skills: [[]], resources: [[], ['waders']], headcount: [3, 10], priority: [2, 3, 4] },
  { name: 'shelter', weight: 10, skills: [['care']], resources: [[]], headcount: [2, 5], priority: [3, 3, 4] },
  { name: 'first-aid', weight: 8, skills: [['first-aid'], ['paramedic']], resources: [[]], headcount: [1, 3], priority: [5] },
  { name: 'transport', weight: 8, skills: [['licence-c'], []], resources: [[], ['van']], headcount: [1, 2], priority: [3, 4] },
  { name: 'trees', weight: 5, skills: [['chainsaw']], resources: [['chainsaw']], headcount: [2, 4], priority: [2, 3] },
  { name: 'pumps', weight: 5, skills: [[]], resources: [['pump']], headcount: [1, 2], priority: [4] },
  { name: 'interpreting', weight: 4, skills: [['interpreter-uk'], ['interpreter-ar']], resources: [[]], headcount: [1, 2], priority: [1, 2] },
  { name: 'electrics', weight: 5, skills: [['electrician']], resources: [[]], headcount: [1, 2], priority: [4, 5] },
];

const SKILLS: [string, number][] = [
  ['first-aid', 0.35], ['care', 0.12], ['paramedic', 0.04], ['licence-c', 0.06], ['chainsaw', 0.05],
  ['electrician', 0.04], ['interpreter-uk', 0.02], ['interpreter-ar', 0.02],
];
const RESOURCES: [string, number][] = [
  ['car', 0.5], ['waders', 0.25], ['van', 0.05], ['chainsaw', 0.04], ['pump', 0.03],
];
const TRAVEL: [number, number][] = [[5, 0.2], [10, 0.3], [15, 0.2], [20, 0.15], [30, 0.1], [50, 0.05]];

export function floodScenario(o: ScenarioOptions): Scenario {
  const r = rng(o.seed ?? 1);
  const width = o.widthKm ?? 50;
  const height = o.heightKm ?? 40;
  const days = o.days ?? 3;
  const centre = { lat: 50.45, lon: 7.05 };
  const kmLat = 1 / 111.2;
  const kmLon = 1 / (111.2 * Math.cos((centre.lat * Math.PI) / 180));
  const at = (x: number, y: number) => ({
    lat: +(centre.lat + (y - height / 2) * kmLat).toFixed(6),
    lon: +(centre.lon + (x - width / 2) * kmLon).toFixed(6),
  });
  // The river crosses the box west to east with a meander; towns and sites sit along it.
  const river = (x: number) => height / 2 + (height / 5) * Math.sin((x / width) * 2 * Math.PI);
  const towns = Array.from({ length: 10 }, (_, i) => {
    const x = ((i + 0.5) / 10) * width;
    return { x, y: river(x) + gauss(r) * 2, size: 0.5 + r() };
  });
  const townWeights = towns.map((t) => [t, t.size] as [typeof t, number]);
  const clampX = (x: number) => Math.min(width, Math.max(0, x));
  const clampY = (y: number) => Math.min(height, Math.max(0, y));

  const siteCount = Math.max(1, Math.round(o.shifts * (o.sitesPerShift ?? 0.1)));
  const sites: Site[] = [];
  const sitePos: { lat: number; lon: number }[] = [];
  for (let i = 0; i < siteCount; i++) {
    const x = r() * width;
    const [capLo, capHi] = o.siteCapacity ?? [10, 59];
    sites.push({ id: `site-${String(i).padStart(4, '0')}`, capacity: capLo + Math.floor(r() * (capHi - capLo + 1)) });
    sitePos.push(at(x, clampY(river(x) + gauss(r) * 1.5)));
  }

  const taskWeights = TASKS.map((t) => [t, t.weight] as [TaskKind, number]);
  const shifts: Shift[] = [];
  const scale = o.headcountScale ?? 1;
  for (let i = 0; i < o.shifts; i++) {
    const kind = pickWeighted(r, taskWeights);
    const site = Math.floor(r() * siteCount);
    const day = Math.floor(r() * days);
    const startHourLocal = pick(r, [6, 8, 10, 14, 18, 22]);
    const hours = pick(r, [4, 6, 8]);
    // Scenario times are Berlin summer time (UTC+2).
    const start = SCENARIO_START + (day * 24 + startHourLocal - 2) * 3_600_000;
    const [lo, hi] = kind.headcount;
    shifts.push({
      id: `shift-${String(i).padStart(5, '0')}`,
      taskId: `task-${kind.name}-${String(site).padStart(4, '0')}`,
      siteId: sites[site]!.id,
      location: sitePos[site]!,
      requiredSkills: pick(r, kind.skills),
      requiredResources: pick(r, kind.resources),
      headcount: Math.max(1, Math.round((lo + Math.floor(r() * (hi - lo + 1))) * scale)),
      start,
      end: start + hours * 3_600_000,
      priority: pick(r, kind.priority),
    });
  }

  const helpers: Helper[] = [];
  for (let i = 0; i < o.helpers; i++) {
    let pos;
    if (r() < 0.7) {
      const town = pickWeighted(r, townWeights);
      pos = at(clampX(town.x + gauss(r) * 3), clampY(town.y + gauss(r) * 3));
    } else {
      pos = at(r() * width, r() * height);
    }
    const availability = [];
    if (r() < 0.1) {
      availability.push({ start: SCENARIO_START, end: SCENARIO_START + days * 86_400_000 });
    } else {
      for (let d = 0; d < days; d++) {
        if (r() < 0.55) {
          const from = SCENARIO_START + (d * 24 + 4 + Math.floor(r() * 10)) * 3_600_000;
          availability.push({ start: from, end: from + (6 + Math.floor(r() * 12)) * 3_600_000 });
        }
      }
    }
    helpers.push({
      id: `helper-${String(i).padStart(6, '0')}`,
      skills: SKILLS.filter(([, p]) => r() < p).map(([s]) => s),
      resources: RESOURCES.filter(([, p]) => r() < p).map(([s]) => s),
      location: pos,
      maxTravelKm: pickWeighted(r, TRAVEL),
      availability,
      maxHoursPerDay: pick(r, [4, 6, 8, 8, 10, 12]),
    });
  }
  return { helpers, shifts, sites };
}
