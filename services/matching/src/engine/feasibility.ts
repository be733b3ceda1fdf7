/**
 * An independent, deliberately plain check of a complete set of assignments against every rule of
 * the model. The planner has its own fast incremental checks (state.ts, compile.ts); this one is
 * written from the rules' wording so the property tests compare two implementations, and the
 * service can validate a plan a coordinator edited by hand.
 */
import { DEFAULT_REST_HOURS, mergeWindows, windowsContain } from './compile.js';
import { distanceKm } from './geo.js';
import type { Assignment, Helper, PlanInput, PlanOptions, Shift, Violation } from './model.js';
import { HOUR_MS } from './time.js';

const berlinDate = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Berlin',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/**
 * The Europe/Berlin calendar dates (YYYY-MM-DD) that [start, end) touches, from the time-zone
 * database rather than time.ts's own summer-time arithmetic, so the two implementations check
 * each other.
 */
function berlinDates(start: number, end: number): string[] {
  const first = berlinDate.format(start);
  const last = berlinDate.format(end - 1);
  const out = [first];
  for (let d = Date.parse(`${first}T12:00:00Z`); out[out.length - 1] !== last; ) {
    d += 86_400_000;
    out.push(new Date(d).toISOString().slice(0, 10));
  }
  return out;
}

export interface FeasibilityReport {
  feasible: boolean;
  violations: Violation[];
}

/** The rules one helper–shift pair must meet on its own. */
export function pairViolations(helper: Helper, shift: Shift): Violation[] {
  const out: Violation[] = [];
  const at = { helperId: helper.id, shiftId: shift.id };
  const skills = new Set(helper.skills);
  const missingSkills = shift.requiredSkills.filter((x) => !skills.has(x));
  if (missingSkills.length > 0) out.push({ rule: 'skill', ...at, message: `lacks ${missingSkills.join(', ')}` });
  const resources = new Set(helper.resources);
  const missingRes = shift.requiredResources.filter((x) => !resources.has(x));
  if (missingRes.length > 0) out.push({ rule: 'resource', ...at, message: `lacks ${missingRes.join(', ')}` });
  const km = distanceKm(helper.location, shift.location);
  if (km > helper.maxTravelKm) {
    out.push({ rule: 'distance', ...at, message: `${km.toFixed(1)} km > ${helper.maxTravelKm} km` });
  }
  if (!windowsContain(mergeWindows(helper.availability), shift.start, shift.end)) {
    out.push({ rule: 'availability', ...at, message: 'not available for the whole shift' });
  }
  // A shift counts whole to every day it touches, so one longer than the daily maximum never fits.
  if (shift.end - shift.start > helper.maxHoursPerDay * HOUR_MS) {
    out.push({ rule: 'max-hours', ...at, message: `shift alone exceeds ${helper.maxHoursPerDay} h a day` });
  }
  return out;
}

export function isFeasible(
  input: PlanInput,
  assignments: readonly Assignment[],
  options: PlanOptions = {},
): FeasibilityReport {
  const restMs = (options.restHours ?? DEFAULT_REST_HOURS) * HOUR_MS;
  const helpers = new Map(input.helpers.map((h) => [h.id, h]));
  const shifts = new Map(input.shifts.map((s) => [s.id, s]));
  const excluded = new Set((input.exclusions ?? []).map((e) => `${e.helperId}\u0000${e.shiftId}`));
  const violations: Violation[] = [];
  const seen = new Set<string>();
  const byHelper = new Map<string, Shift[]>();
  const byShift = new Map<string, number>();

  for (const a of assignments) {
    const helper = helpers.get(a.helperId);
    const shift = shifts.get(a.shiftId);
    const at = { helperId: a.helperId, shiftId: a.shiftId };
    if (!helper) violations.push({ rule: 'unknown-helper', ...at, message: 'no such helper' });
    if (!shift) violations.push({ rule: 'unknown-shift', ...at, message: 'no such shift' });
    if (!helper || !shift) continue;
    const key = `${a.helperId}\u0000${a.shiftId}`;
    if (seen.has(key)) {
      violations.push({ rule: 'duplicate', ...at, message: 'assigned twice' });
      continue;
    }
    seen.add(key);
    if (excluded.has(key) && a.status === 'proposed') {
      violations.push({ rule: 'excluded', ...at, message: 'the helper declined this shift' });
    }
    violations.push(...pairViolations(helper, shift));
    byHelper.set(helper.id, [...(byHelper.get(helper.id) ?? []), shift]);
    byShift.set(shift.id, (byShift.get(shift.id) ?? 0) + 1);
  }

  for (const [helperId, list] of byHelper) {
    const helper = helpers.get(helperId)!;
    const sorted = [...list].sort((a, b) => a.start - b.start);
    for (let i = 0; i < sorted.length; i++) {
      for (let j = i + 1; j < sorted.length; j++) {
        const a = sorted[i]!;
        const b = sorted[j]!;
        const at = { helperId, shiftId: b.id };
        if (b.start < a.end && a.start < b.end) {
          violations.push({ rule: 'overlap', ...at, message: `overlaps ${a.id}` });
        } else if (b.start < a.end + restMs && a.start < b.end + restMs) {
          violations.push({ rule: 'rest', ...at, message: `less than the rest period after ${a.id}` });
        }
      }
    }
    const perDay = new Map<string, number>();
    for (const s of sorted) {
      for (const day of berlinDates(s.start, s.end)) perDay.set(day, (perDay.get(day) ?? 0) + (s.end - s.start));
    }
    for (const [day, ms] of perDay) {
      if (ms > helper.maxHoursPerDay * HOUR_MS) {
        violations.push({
          rule: 'max-hours',
          helperId,
          message: `${ms / HOUR_MS} h of shifts touching ${day} (Berlin) > ${helper.maxHoursPerDay} h`,
        });
      }
    }
  }

  for (const [shiftId, n] of byShift) {
    const shift = shifts.get(shiftId)!;
    if (n > shift.headcount) {
      violations.push({ rule: 'headcount', shiftId, message: `${n} helpers for ${shift.headcount} places` });
    }
  }

  for (const site of input.sites) {
    const atSite = input.shifts.filter((s) => s.siteId === site.id);
    // Occupancy only rises at a shift start, so checking every start instant covers all moments.
    for (const probe of atSite) {
      const t = probe.start;
      let present = 0;
      for (const s of atSite) if (s.start <= t && t < s.end) present += byShift.get(s.id) ?? 0;
      if (present > site.capacity) {
        violations.push({
          rule: 'site-capacity',
          siteId: site.id,
          message: `${present} helpers at ${new Date(t).toISOString()} > capacity ${site.capacity}`,
        });
        break;
      }
    }
  }

  return { feasible: violations.length === 0, violations };
}
