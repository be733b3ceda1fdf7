/**
 * A dense flood scenario for the benchmark: a city and its towns, where most helpers can reach
 * most sites, availability is broad and few shifts need a skill — the opposite of the Saale
 * scenario, and the kind of instance on which candidate pairs grow with helpers × shifts.
 * Parameters (all seeded; times Berlin summer time, 14 July 2026 and the next day):
 * - city of radius ~8 km (60 % of helpers, Gaussian σ 4 km around the centre) and four towns
 *   12–20 km out (10 % each, σ 2 km); sites along a river through the city, ±1 km; one site per 8
 *   shifts, capacity 40–120 (rarely binding);
 * - helpers: maxTravelKm 4 / 6 / 8 / 12 km (25 % each); one availability window a day with
 *   probability 0.5 (at least one), starting 05:00–15:00, 5–10 h long; maxHoursPerDay 6–12;
 *   first-aid 30 %, licence-c 8 %, chainsaw 4 %;
 * - shifts: 2 days, start 06:00–20:00 on the hour, 3–6 h; headcount 2–8; 85 % need no skill,
 *   10 % first-aid, 3 % licence-c, 2 % chainsaw; priority 1–5 uniformly.
 * Demand is 1.5–3× what the helpers can work (5 slots per shift against ~1.5 shifts per helper),
 * so every tier is contested. 115,000 feasible helper–shift pairs at 3,000 × 1,000 (3.8 % of all),
 * as dense as the instances of issue 15 (95,000–106,000).
 * Not engine code; no I/O.
 */
import type { Helper, Priority, Shift, Site } from '../../../src/engine/model.js';
import { rng } from '../../../src/engine/random.js';
import { gauss, pick } from './sampling.js';

export interface UrbanFloodOptions {
  helpers: number;
  shifts: number;
  seed?: number;
}

export interface UrbanFlood {
  helpers: Helper[];
  shifts: Shift[];
  sites: Site[];
}

const START = Date.UTC(2026, 6, 14, 0) - 2 * 3_600_000; // local midnight, 14 July 2026
const HOUR = 3_600_000;
const CENTRE = { lat: 51.05, lon: 13.74 };

export function urbanFlood(o: UrbanFloodOptions): UrbanFlood {
  const r = rng(o.seed ?? 2021);
  const kmLat = 1 / 111.2;
  const kmLon = 1 / (111.2 * Math.cos((CENTRE.lat * Math.PI) / 180));
  const at = (x: number, y: number) => ({ lat: +(CENTRE.lat + y * kmLat).toFixed(6), lon: +(CENTRE.lon + x * kmLon).toFixed(6) });
  const towns = [0, 1, 2, 3].map((i) => {
    const angle = (i * Math.PI) / 2 + 0.4;
    const d = 12 + 8 * r();
    return { x: d * Math.cos(angle), y: d * Math.sin(angle) };
  });

  const siteCount = Math.max(1, Math.round(o.shifts / 8));
  const sites: Site[] = [];
  const sitePos: { lat: number; lon: number }[] = [];
  for (let i = 0; i < siteCount; i++) {
    // The river runs west to east through the centre with a gentle bend.
    const x = -14 + 28 * r();
    sites.push({ id: `site-${String(i).padStart(5, '0')}`, capacity: 40 + Math.floor(r() * 81) });
    sitePos.push(at(x, 2 * Math.sin(x / 6) + gauss(r)));
  }

  const shifts: Shift[] = [];
  for (let i = 0; i < o.shifts; i++) {
    const site = Math.floor(r() * siteCount);
    const start = START + (Math.floor(r() * 2) * 24 + 6 + Math.floor(r() * 15)) * HOUR;
    const x = r();
    const skills = x < 0.85 ? [] : x < 0.95 ? ['first-aid'] : x < 0.98 ? ['licence-c'] : ['chainsaw'];
    shifts.push({
      id: `shift-${String(i).padStart(6, '0')}`,
      taskId: `task-${String(i).padStart(6, '0')}`,
      siteId: sites[site]!.id,
      location: sitePos[site]!,
      requiredSkills: skills,
      requiredResources: [],
      headcount: 2 + Math.floor(r() * 7),
      start,
      end: start + (3 + Math.floor(r() * 4)) * HOUR,
      priority: (1 + Math.floor(r() * 5)) as Priority,
    });
  }

  const helpers: Helper[] = [];
  for (let i = 0; i < o.helpers; i++) {
    const y = r();
    const town = y < 0.6 ? null : towns[Math.min(3, Math.floor((y - 0.6) / 0.1))]!;
    const pos = town ? at(town.x + 2 * gauss(r), town.y + 2 * gauss(r)) : at(4 * gauss(r), 4 * gauss(r));
    const availability = [];
    for (let d = 0; d < 2; d++) {
      if (r() < 0.5 || (d === 1 && availability.length === 0)) {
        const from = START + (d * 24 + 5 + Math.floor(r() * 11)) * HOUR;
        availability.push({ start: from, end: from + (5 + Math.floor(r() * 6)) * HOUR });
      }
    }
    helpers.push({
      id: `helper-${String(i).padStart(6, '0')}`,
      skills: [['first-aid', 0.3], ['licence-c', 0.08], ['chainsaw', 0.04]].filter(([, p]) => r() < (p as number)).map(([s]) => s as string),
      resources: [],
      location: pos,
      maxTravelKm: pick(r, [4, 6, 8, 12]),
      availability,
      maxHoursPerDay: pick(r, [6, 8, 8, 10, 12]),
    });
  }
  return { helpers, shifts, sites };
}
