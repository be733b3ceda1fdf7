/**
 * `npm run bench:matching-service [-- --helpers 5000 --shifts 200]`
 *
 * The service around the engine, end to end against real PostgreSQL and Redis: helper and task
 * events in through the bus (ingest rate), a full planning round through `POST /v1/matching/runs`
 * next to the engine's `plan` on the same input in the same process (the baseline: what the
 * service adds is reading the read model and writing proposals and their events), a round with
 * nothing to do, and a round after 100 declines. Prints a Markdown table; nothing is asserted.
 */
/* eslint-disable no-console -- a benchmark reports on stdout */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { createClient } from 'redis';
import { signToken, testJwtSecret, listen } from '@kathelfer/common/testing/http';
import { pino } from 'pino';
import { urgencyOf, type PayloadIn } from '@kathelfer/contracts';
import { contractEntry } from '@kathelfer/common/testing/contract-entry';
import { createMatching } from '../src/app.js';
import { loadMatchingConfig } from '../src/config.js';
import { plan } from '../src/engine/index.js';
import type { RoundStats } from '../src/round-stats.js';
import { floodScenario, SCENARIO_START } from '../test/support/scenario/flood.js';

const { values: args } = parseArgs({ options: { helpers: { type: 'string', default: '5000' }, shifts: { type: 'string', default: '200' }, seed: { type: 'string', default: '1' }, 'plan-on-new-data': { type: 'boolean', default: false } } });
const N = Number(args.helpers);
const M = Number(args.shifts);
const databaseUrl = process.env.DATABASE_URL;
const redisUrl = process.env.REDIS_URL;
if (databaseUrl === undefined || redisUrl === undefined) throw new Error('DATABASE_URL and REDIS_URL are needed: run it with `npm run bench:matching-service`.');

const schema = `bench_matching_${Date.now()}`;
const event = 'bench-flood';
const config = loadMatchingConfig({
  DATABASE_URL: databaseUrl,
  REDIS_URL: redisUrl,
  DB_SCHEMA: schema,
  REDIS_PREFIX: `${schema}:`,
  JWT_SECRET: testJwtSecret,
  LOG_LEVEL: 'silent',
  PLAN_ON_NEW_DATA: String(args['plan-on-new-data']),
  SWEEP_MS: '3600000',
});
const matching = createMatching(config, pino({ level: 'silent' }));
await matching.start();
const server = await listen(matching.app);
const redis = createClient({ url: redisUrl });
await redis.connect();
const rows: Array<[string, string, string]> = [];
const ms = (x: number) => `${Math.round(x)} ms`;

try {
  // The scenario is set in July; move it to start at the next full hour, so its shifts lie ahead.
  const scenario = floodScenario({ helpers: N, shifts: M, seed: Number(args.seed) });
  const hour = 3600_000;
  const shift = Math.ceil(Date.now() / hour) * hour + hour - SCENARIO_START;
  const iso = (t: number) => new Date(t + shift).toISOString();
  const capacity = new Map(scenario.sites.map((s) => [s.id, s.capacity]));
  const ids = new Map(scenario.helpers.map((h) => [h.id, randomUUID()]));
  const siteIds = new Map(scenario.sites.map((s) => [s.id, randomUUID()]));
  const helperEvents = scenario.helpers.map((h): PayloadIn<'registration', 'helper.registered'> => ({
    helperId: ids.get(h.id) ?? randomUUID(),
    incidentId: event,
    incidentIds: [event],
    skills: [...h.skills],
    languages: [],
    resources: [...h.resources],
    area: { postalArea: null, latitude: h.location.lat, longitude: h.location.lon },
    maxTravelKm: h.maxTravelKm,
    maxHoursPerDay: h.maxHoursPerDay,
    availability: h.availability.map((w) => ({ from: iso(w.start), to: iso(w.end) })),
    paused: false,
    tokenHash: null,
  }));
  const taskEvents = scenario.shifts.map((s): PayloadIn<'tasks', 'task.created'> => ({
    taskId: randomUUID(),
    incidentId: event,
    siteId: siteIds.get(s.siteId) ?? randomUUID(),
    status: 'open',
    skills: [...s.requiredSkills],
    resources: [...s.requiredResources],
    headcount: s.headcount,
    filledCount: 0,
    // the scenario speaks the planner's urgency (5 the most urgent); the contract the one priority scale
    priority: urgencyOf(s.priority),
    shift: { start: iso(s.start), end: iso(s.end) },
    location: { postalArea: null, latitude: s.location.lat, longitude: s.location.lon },
    siteCapacity: capacity.get(s.siteId) ?? 10_000,
    version: 1,
  }));

  const ingestStart = performance.now();
  const send = async (entries: Array<Record<string, string>>, stream: string) => {
    for (let i = 0; i < entries.length; i += 500) {
      const multi = redis.multi();
      for (const entry of entries.slice(i, i + 500)) multi.xAdd(`${config.REDIS_PREFIX}events:${stream}`, '*', entry);
      await multi.exec();
    }
  };
  await send(helperEvents.map((h) => contractEntry('registration', 'helper.registered', h)), 'registration');
  await send(taskEvents.map((t) => contractEntry('tasks', 'task.created', t)), 'tasks');
  for (;;) {
    const [h, t] = await Promise.all([matching.models.Helper.count(), matching.models.Task.count()]);
    if (h === N && t === M) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const ingestMs = performance.now() - ingestStart;
  rows.push([`ingest ${N} helper + ${M} task events (one replica${args['plan-on-new-data'] ? ', rounds running meanwhile' : ''})`, ms(ingestMs), `${Math.round(((N + M) / ingestMs) * 1000)} events/s`]);

  // Baseline: the engine alone on the same input (as the round will build it).
  const input = {
    helpers: scenario.helpers.map((h) => ({ ...h, id: ids.get(h.id) ?? h.id, availability: h.availability.map((w) => ({ start: w.start + shift, end: w.end + shift })) })),
    shifts: scenario.shifts.map((s) => ({ ...s, start: s.start + shift, end: s.end + shift })),
    sites: scenario.sites,
  };
  const baseStart = performance.now();
  const base = plan(input, { now: Date.now() });
  const baseMs = performance.now() - baseStart;

  const coordinator = { authorization: `Bearer ${await signToken(['coordinator'])}`, 'content-type': 'application/json' };
  const run = async () => {
    const started = performance.now();
    const response = await fetch(`${server.url}/v1/matching/runs`, { method: 'POST', headers: coordinator, body: JSON.stringify({ incidentId: event }) });
    const stats = (await response.json()) as RoundStats;
    return { ...stats, httpMs: performance.now() - started };
  };
  const first = await run();
  rows.push([
    'engine `plan` alone, same input (baseline)',
    ms(baseMs),
    `${base.score.filled} of ${base.score.demand} slots`,
  ]);
  rows.push([
    'first round via POST /v1/matching/runs',
    `${ms(first.httpMs)} (plan ${ms(first.planMs)}, round ${ms(first.runTimeMs)})`,
    `${first.proposed} proposals; fill ${((first.fill) * 100).toFixed(1)}%, coverage ${((first.coverage) * 100).toFixed(1)}%, ${(first.meanDistanceKm).toFixed(1)} km mean`,
  ]);
  const idle = await run();
  rows.push(['round with nothing new', `${ms(idle.httpMs)} (plan ${ms(idle.planMs)})`, `${idle.proposed} proposals`]);

  const proposals = await matching.models.Assignment.findAll({ where: { status: 'proposed' }, limit: 100, raw: true });
  for (const p of proposals) await matching.assignments.answer(p.id, p.helperId, 'decline');
  const after = await run();
  rows.push([`round after ${proposals.length} declines`, `${ms(after.httpMs)} (plan ${ms(after.planMs)})`, `${after.proposed} new proposals`]);

  console.log(`\nmatching service, ${N} helpers × ${M} shifts, ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  console.log('| what | time | result |\n|---|---|---|');
  for (const [what, time, result] of rows) console.log(`| ${what} | ${time} | ${result} |`);
} finally {
  await server.close();
  await matching.close();
  const { createSequelize } = await import('@kathelfer/common/db');
  const sequelize = createSequelize(config);
  await sequelize.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await sequelize.close();
  await redis.quit();
}
