/**
 * `npm run demo`: an incident end to end against the platform `npm start` runs (hack/demo.sh starts
 * one in a throw-away state directory). It declares a flood, follows the operator raising the
 * services from standby to surge through the API, registers synthetic volunteers through the real
 * registration API, (with the task and matching services running) posts tasks and matches them,
 * ends the incident and follows the stand-down — printing a timeline and writing an SVG chart.
 *   node --import tsx hack/src/demo/demo.ts <state dir>
 * DEMO_HELPERS (2000) volunteers; DEMO_OUT (demo-output) where the chart goes.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { SignJWT } from 'jose';
import { renderChart, type Series } from './svg-chart.js';

const state = process.argv[2] ?? process.env.KATHELFER_STATE ?? '';
const namespace = 'kathelfer';
const event = 'hochwasser-saale';
const services = ['registration', 'tasks', 'matching'] as const;
const colors = { registration: '#1f77b4', tasks: '#2ca02c', matching: '#d62728' } as const;
const helperCount = Number(process.env.DEMO_HELPERS ?? 2000);
const taskCount = Number(process.env.DEMO_TASKS ?? 200);
// the development-only secret npm start gives the services (hack/start.sh)
const jwtSecret = process.env.JWT_SECRET ?? 'local-development-only-secret-not-for-production';
const outDir = resolve(process.env.DEMO_OUT ?? 'demo-output');

const kc = new k8s.KubeConfig();
kc.loadFromFile(join(state, 'cluster/kubeconfig'));
const apps = kc.makeApiClient(k8s.AppsV1Api);
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const crd = { group: 'kathelfer.io', version: 'v1alpha1', namespace };

const started = Date.now();
const elapsed = () => (Date.now() - started) / 1000;
const say = (line: string) => process.stdout.write(`[${elapsed().toFixed(1).padStart(6)} s] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function serviceUrl(name: string): Promise<string | undefined> {
  const file = join(state, 'platform', `${name}.port`);
  return existsSync(file) ? `http://127.0.0.1:${(await readFile(file, 'utf8')).trim()}` : undefined;
}

/** Replicas over time, sampled through the API like `kubectl get deploy -w` would show them. */
const replicaSeries = new Map<string, Series>();
const readySeries = new Map<string, Series>();
for (const s of services) {
  replicaSeries.set(s, { label: `${s} desired`, color: colors[s], points: [] });
  readySeries.set(s, { label: `${s} ready`, color: colors[s], points: [] });
}
let sampling = true;
async function sample(): Promise<void> {
  while (sampling) {
    for (const s of services) {
      const d = await apps.readNamespacedDeployment({ name: s, namespace }).catch(() => undefined);
      if (d === undefined) continue;
      const t = elapsed();
      for (const [series, value] of [[replicaSeries.get(s)!, d.spec?.replicas ?? 0], [readySeries.get(s)!, d.status?.readyReplicas ?? 0]] as const) {
        const last = series.points.at(-1);
        if (last === undefined || last[1] !== value) series.points.push([t, value]);
      }
    }
    await sleep(250);
  }
}

async function eventStatus(): Promise<{ ready: string | undefined; phase: string | undefined; tts: number | undefined }> {
  const e = (await custom.getNamespacedCustomObject({ ...crd, plural: 'disasterevents', name: event })) as {
    status?: { phase?: string; timeToSurgeSeconds?: number; conditions?: Array<{ type: string; status: string }> };
  };
  return { ready: e.status?.conditions?.find((c) => c.type === 'Ready')?.status, phase: e.status?.phase, tts: e.status?.timeToSurgeSeconds };
}

function replicasLine(): string {
  return services.map((s) => `${s} ${readySeries.get(s)!.points.at(-1)?.[1] ?? '?'}/${replicaSeries.get(s)!.points.at(-1)?.[1] ?? '?'}`).join(', ');
}

// Synthetic volunteers around Halle (Saale): the city and the towns along the river.
const towns = [[51.4825, 11.9697], [51.3417, 11.9806], [51.6500, 11.8667], [51.4000, 11.6167], [51.3167, 11.7167]] as const;
const skillPool = ['first-aid', 'sandbagging', 'driving-licence-b', 'chainsaw', 'construction', 'logistics', 'cooking', 'psychosocial-support', 'boat', 'heavy-machinery'];
const resourcePool = ['car', 'van', 'shovel', 'wheelbarrow', 'pump', 'trailer'];
function volunteer(i: number): Record<string, unknown> {
  const [lat, lon] = towns[i % towns.length]!;
  const pick = <T>(pool: readonly T[], n: number) => Array.from(new Set(Array.from({ length: n }, (_, k) => pool[(i * 7 + k * 3) % pool.length]!)));
  return {
    incidentId: event,
    name: `Demo Helferin ${i}`,
    contact: { email: `demo.helper.${started}.${i}@example.org` },
    location: { postalCode: '06108', coordinates: { latitude: lat + ((i % 17) - 8) * 0.004, longitude: lon + ((i % 13) - 6) * 0.006 } },
    maxTravelKm: 10 + (i % 4) * 10,
    skills: pick(skillPool, 1 + (i % 3)),
    resources: pick(resourcePool, i % 3),
    availability: [{ from: new Date(started - 2 * 3600_000).toISOString(), to: new Date(started + 2 * 86_400_000).toISOString() }],
    maxHoursPerDay: 6 + (i % 3) * 2,
    adultConfirmed: true,
    consent: { version: '2026-01', purposes: ['coordination'] },
  };
}

const volunteers: Array<{ id: string; token: string }> = [];

async function registerVolunteers(url: string, rateSeries: Series): Promise<number> {
  let next = 0;
  let done = 0;
  let failed = 0;
  let lastCount = 0;
  let lastAt = elapsed();
  const ticker = setInterval(() => {
    const now = elapsed();
    const rate = (done - lastCount) / (now - lastAt);
    rateSeries.points.push([now, Math.round(rate)]);
    say(`registrations: ${done} of ${helperCount} (${Math.round(rate)}/s); replicas ready/desired: ${replicasLine()}`);
    lastCount = done;
    lastAt = now;
  }, 1000);
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (next < helperCount) {
      const i = next++;
      const res = await fetch(`${url}/v1/helpers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(volunteer(i)) });
      if (res.status === 201) {
        done += 1;
        volunteers.push((await res.json()) as { id: string; token: string });
      } else {
        failed += 1;
        await res.arrayBuffer();
      }
    }
  }));
  clearInterval(ticker);
  rateSeries.points.push([elapsed(), 0]);
  if (failed > 0) say(`${failed} registrations were refused (see the registration log)`);
  return done;
}

const markers: Array<{ at: number; label: string }> = [];
const registrations: Series = { label: 'registrations/s', color: '#1f77b4', points: [[0, 0]] };

const sampler = sample();
say(`platform: ${state}`);
say('demo speed: the SurgePlans stand down after 10 s and then 3 replicas every 3 s (in production: 10 min, 2 per 2 min)');
for (const s of services) {
  await custom.patchNamespacedCustomObject({ ...crd, plural: 'surgeplans', name: s, body: { spec: { scaleDown: { stabilizationWindowSeconds: 10, stepReplicas: 3, stepIntervalSeconds: 3 } } } }, mergePatch);
}
await sleep(1000);
say(`standby: ${replicasLine()}`);

markers.push({ at: elapsed(), label: 'flood declared' });
await custom.createNamespacedCustomObject({
  ...crd,
  plural: 'disasterevents',
  body: {
    apiVersion: 'kathelfer.io/v1alpha1',
    kind: 'DisasterEvent',
    metadata: { name: event },
    spec: { title: 'Hochwasser an der Saale (Demo)', type: 'flood', severity: 3, region: { name: 'Halle (Saale) und Saalekreis', lat: 51.4825, lon: 11.9697, radiusKm: 30 }, expectedHelpers: helperCount, state: 'Active' },
  },
});
say(`DisasterEvent ${event} declared: flood, severity 3, ${helperCount} volunteers expected`);
for (;;) {
  const s = await eventStatus();
  if (s.ready === 'True') {
    const now = await Promise.all(services.map(async (svc) => {
      const d = await apps.readNamespacedDeployment({ name: svc, namespace });
      return `${svc} ${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`;
    }));
    say(`Ready: every service has its surge floor of ready replicas (time to surge ${s.tts} s): ${now.join(', ')}`);
    markers.push({ at: elapsed(), label: 'surge ready' });
    break;
  }
  await sleep(250);
}

const registrationUrl = await serviceUrl('registration');
if (registrationUrl === undefined) throw new Error('the registration service is not running (npm start starts it)');
say(`registering ${helperCount} synthetic volunteers through ${registrationUrl}/v1/helpers …`);
const registered = await registerVolunteers(registrationUrl, registrations);
say(`${registered} volunteers registered`);

const coordinatorToken = await new SignJWT({ roles: ['coordinator'] })
  .setProtectedHeader({ alg: 'HS256' })
  .setSubject('demo-coordinator')
  .setIssuer('kathelfer-development')
  .setAudience('kathelfer')
  .setIssuedAt()
  .setExpirationTime('1h')
  .sign(new TextEncoder().encode(jwtSecret));
const asCoordinator = { 'content-type': 'application/json', authorization: `Bearer ${coordinatorToken}` };

async function postOk(url: string, body: unknown): Promise<{ id: string }> {
  const res = await fetch(url, { method: 'POST', headers: asCoordinator, body: JSON.stringify(body) });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`POST ${url} answered ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as { id: string };
}

const tasksUrl = await serviceUrl('tasks');
if (tasksUrl === undefined) {
  say('the tasks service is not running: its part of the scenario is left out');
} else {
  // Sites along the Saale, tasks over the next two days with mixed skills and priorities.
  const sites = [
    ['Sandsackfüllplatz Peißnitzinsel', 51.4936, 11.9510, 60],
    ['Deich Halle-Neustadt', 51.4790, 11.9240, 80],
    ['Notunterkunft Gimritzer Damm', 51.4870, 11.9390, 40],
    ['Deichverteidigung Merseburg', 51.3550, 11.9930, 70],
    ['Logistikzentrum Bernburg', 51.7940, 11.7400, 50],
  ] as const;
  const siteIds: string[] = [];
  for (const [name, lat, lon, capacity] of sites) {
    const site = await postOk(`${tasksUrl}/v1/sites`, {
      incidentId: event, name, address: { street: 'Einsatzstelle', postalCode: '06108', city: 'Halle (Saale)' },
      coordinates: { latitude: lat, longitude: lon }, meetingPoint: 'Am Einsatzleitwagen', contact: { name: 'Einsatzleitung', phone: '+49 345 000000' },
      capacity, accessNotes: 'Zufahrt über die Feuerwehrzufahrt',
    });
    siteIds.push(site.id);
  }
  const kinds = [
    ['Sandsäcke füllen', ['sandbagging'], ['shovel']],
    ['Deich sichern', ['sandbagging'], []],
    ['Erste Hilfe an der Einsatzstelle', ['first-aid'], []],
    ['Verpflegung ausgeben', ['cooking'], []],
    ['Material fahren', ['driving-licence-b'], ['van']],
    ['Betreuung in der Notunterkunft', ['psychosocial-support'], []],
  ] as const;
  const hour = 3_600_000;
  const base = Math.ceil(Date.now() / hour) * hour;
  let created = 0;
  for (let i = 0; i < taskCount; i++) {
    const [title, skills, resources] = kinds[i % kinds.length]!;
    // every eighth shift starts in half an hour (its check-in is open: an hour before the start)
    const start = i % 8 === 0 ? Date.now() + hour / 2 : base + (i % 8) * 3 * hour;
    await postOk(`${tasksUrl}/v1/tasks`, {
      incidentId: event, title: `${title} #${i + 1}`, description: title, siteId: siteIds[i % siteIds.length],
      skills, resources, headcount: 2 + (i % 5), shiftStart: new Date(start).toISOString(), shiftEnd: new Date(start + 4 * hour).toISOString(),
      priority: 1 + (i % 5), bring: ['Arbeitshandschuhe', 'Gummistiefel'], briefing: 'Meldung bei der Einsatzleitung',
    });
    created += 1;
  }
  say(`${created} tasks posted at ${siteIds.length} sites through ${tasksUrl}/v1/tasks`);
}

const accepted: Series = { label: 'accepted assignments', color: '#2ca02c', points: [[0, 0]] };
const matchingUrl = await serviceUrl('matching');
if (matchingUrl === undefined || tasksUrl === undefined) {
  say('the matching or tasks service is not running: matching, acceptance and check-in are left out');
} else {
  // The read model fills from the registration and task events; run rounds until it has them all.
  type Round = { proposed: number; helpers: number; tasks: number; demand: number; filled: number; fill: number; coverage: number; meanDistanceKm: number; runTimeMs: number };
  let round: Round | undefined;
  for (let attempt = 0; attempt < 60; attempt++) {
    const res = await fetch(`${matchingUrl}/v1/matching/runs`, { method: 'POST', headers: asCoordinator, body: JSON.stringify({ incidentId: event }) });
    if (res.status === 200) {
      round = (await res.json()) as Round;
      if (round.tasks >= taskCount && round.helpers >= volunteers.length) break;
    } else await res.arrayBuffer();
    await sleep(1000);
  }
  if (round === undefined) throw new Error('no matching round ran');
  markers.push({ at: elapsed(), label: 'matching round' });
  // rounds also run by themselves as events arrive: report the state, not just this round's additions
  say(`matching: ${round.helpers} helpers, ${round.tasks} tasks, ${round.filled} of ${round.demand} slots proposed or accepted (fill ${(round.fill * 100).toFixed(1)} %, ` +
    `every slot filled for ${(round.coverage * 100).toFixed(1)} % of tasks, mean distance ${round.meanDistanceKm.toFixed(1)} km) in ${round.runTimeMs} ms`);

  // Volunteers answer on their phones with their self-service token: most accept.
  let acceptedCount = 0;
  let declined = 0;
  const acceptedBy: Array<{ id: string }> = [];
  let next = 0;
  const sampleTimer = setInterval(() => accepted.points.push([elapsed(), acceptedCount]), 500);
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (next < volunteers.length) {
      const v = volunteers[next++]!;
      const auth = { authorization: `Bearer ${v.token}`, 'content-type': 'application/json' };
      const mine = (await (await fetch(`${matchingUrl}/v1/assignments/mine`, { headers: auth })).json()) as { items: Array<{ id: string; status: string }> };
      for (const a of mine.items.filter((x) => x.status === 'proposed')) {
        const decision = (next * 7 + a.id.charCodeAt(0)) % 100 < 85 ? 'accept' : 'decline';
        const res = await fetch(`${matchingUrl}/v1/assignments/${a.id}/${decision}`, { method: 'POST', headers: auth });
        await res.arrayBuffer();
        if (res.status === 200 && decision === 'accept') {
          acceptedCount += 1;
          acceptedBy.push(v);
        }
        if (res.status === 200 && decision === 'decline') declined += 1;
      }
    }
  }));
  clearInterval(sampleTimer);
  accepted.points.push([elapsed(), acceptedCount]);
  say(`volunteers answered: ${acceptedCount} accepted, ${declined} declined (declined slots are offered to others in the next round)`);

  // Site leads scan the codes of volunteers whose shift is under way. The volunteers' view of their
  // codes needs a helper token of the identity provider; the demo signs one with the local secret.
  let checkedIn = 0;
  const deadline = Date.now() + 15_000;
  for (const v of acceptedBy) {
    if (checkedIn >= 20 || Date.now() > deadline) break;
    const helperToken = await new SignJWT({ roles: ['helper'] }).setProtectedHeader({ alg: 'HS256' }).setSubject(v.id).setIssuer('kathelfer-development').setAudience('kathelfer').setIssuedAt().setExpirationTime('10m').sign(new TextEncoder().encode(jwtSecret));
    type Mine = { items: Array<{ code: string; site: { id: string }; shiftStart: string; checkedInAt: string | null }> };
    let mine: Mine = { items: [] };
    // the task service learns of the acceptance from matching's event, a moment later
    for (let wait = 0; wait < 20 && mine.items.length === 0 && Date.now() < deadline; wait++) {
      const res = await fetch(`${tasksUrl}/v1/checkins/me`, { headers: { authorization: `Bearer ${helperToken}` } });
      mine = res.status === 200 ? ((await res.json()) as Mine) : (await res.arrayBuffer(), { items: [] });
      if (mine.items.length === 0) await sleep(250);
    }
    for (const a of mine.items) {
      if (a.checkedInAt !== null || Date.parse(a.shiftStart) - Date.now() > 3_600_000) continue;
      const scan = await fetch(`${tasksUrl}/v1/checkins`, { method: 'POST', headers: asCoordinator, body: JSON.stringify({ siteId: a.site.id, code: a.code }) });
      await scan.arrayBuffer();
      if (scan.status === 201) checkedIn += 1;
    }
  }
  say(`${checkedIn} volunteers checked in at their sites by code`);
}

markers.push({ at: elapsed(), label: 'incident ended' });
await custom.patchNamespacedCustomObject({ ...crd, plural: 'disasterevents', name: event, body: { spec: { state: 'Ended' } } }, mergePatch);
say('DisasterEvent ended: the services stand down as their SurgePlans say');
let lastLine = '';
for (;;) {
  const line = replicasLine();
  if (line !== lastLine) say(`stand-down: ${line}`);
  lastLine = line;
  const atStandby = services.every((s) => replicaSeries.get(s)!.points.at(-1)?.[1] === 1 && readySeries.get(s)!.points.at(-1)?.[1] === 1);
  if (atStandby) break;
  await sleep(500);
}
say(`back at standby (${(await eventStatus()).phase})`);
sampling = false;
await sampler;

await mkdir(outDir, { recursive: true });
const chart = join(outDir, 'kathelfer-demo.svg');
await writeFile(chart, renderChart('Kathelfer demo: a flood, from declaration to stand-down', [
  { title: 'Replicas per service (desired)', unit: 'replicas', series: [...replicaSeries.values()] },
  { title: 'Ready replicas per service', unit: 'replicas', series: [...readySeries.values()] },
  { title: 'Registrations per second', unit: 'per second', series: [registrations] },
  { title: 'Accepted assignments (filled headcount)', unit: 'assignments', series: [accepted] },
], markers));
say(`chart written to ${chart}`);
