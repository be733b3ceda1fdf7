/**
 * `npm run bench:notifications` (issue 17): a planning round proposes 5,000 shifts at once; how
 * long until the last proposal mail is accepted by the SMTP server, per volunteer (p50/p99) and in
 * mails per second — next to a baseline in the same run: nodemailer sending the same number of
 * mails (the same rendered proposal) to the same SMTP server in a bare loop, with the same pool.
 *
 * What runs: the registration service as deployed code (in this process, its real config), its own
 * PostgreSQL and Redis (hack/datastores.sh in a temporary state directory), the SMTP server of
 * `npm start` (hack/src/mail-server.ts, smtp-server + mailparser) as a child process. The round's
 * commit is matching's: 5,000 `assignment.proposed` events written with common's `publishAll` in
 * one transaction to an outbox and relayed by common's OutboxRelay — what a round does after the
 * planner; the planner itself is bench:matching's subject, not this one's. t0 is that commit.
 *
 * BENCH_PROPOSALS (default 5000) and BENCH_SMTP_CONNECTIONS (default 5, SMTP_MAX_CONNECTIONS) tune it.
 * Besides the table it prints where the time went (relayed, queued by the consumers, accepted by
 * the server, each after the commit) and the CPU per mail of the sending process and of the SMTP
 * server in both runs: on a loaded machine the rate follows the CPU a mail costs.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '@kathelfer/common/logger';
import { freePort, OwnDatastores } from '@kathelfer/common/testing/own-datastores';
import { testJwtSecret } from '@kathelfer/common/testing/http';
import { OutboxRelay } from '@kathelfer/common/outbox';
import { addOutboxVersionColumn, createOutboxTable, defineOutboxModel } from '@kathelfer/common/outbox.model';
import { publish, publishAll } from '@kathelfer/common/publish';
import type { PayloadIn } from '@kathelfer/contracts';
import { taskEventOf } from '@kathelfer/tasks/views';
import nodemailer from 'nodemailer';
import { QueryTypes } from 'sequelize';
import { createRegistration } from '../src/app.js';
import { loadRegistrationConfig } from '../src/config.js';
import { renderNotification } from '../src/notifications/templates.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const proposals = Number(process.env.BENCH_PROPOSALS ?? 5000);
const connections = Number(process.env.BENCH_SMTP_CONNECTIONS ?? 5);
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

interface Envelope {
  id: number;
  to: string[];
  acceptedAt: number;
}

async function startMail(): Promise<{ smtpUrl: string; envelopes(): Promise<Envelope[]>; cpuMs(): number; stop(): void }> {
  const [smtpPort, webPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'hack/src/mail-server-main.ts'), String(smtpPort), String(webPort)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`mail server exited with ${code}`)));
  });
  return {
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    envelopes: async () => (await (await fetch(`http://127.0.0.1:${webPort}/envelopes`)).json()) as Envelope[],
    cpuMs: () => cpuMsOf(child.pid),
    stop: () => child.kill('SIGTERM'),
  };
}

/** CPU time (user + system, ms) a process has used so far, from /proc/<pid>/stat (fields 14 and 15, clock ticks of 10 ms). */
function cpuMsOf(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
const ownCpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;

async function main(): Promise<void> {
  const datastores = await OwnDatastores.start();
  const mail = await startMail();
  try {
    // --- baseline: nodemailer in a bare loop, the same message, the same pool size, the same server
    const sample = renderNotification(
      {
        kind: 'proposal', task: { title: 'Sandsäcke füllen am Elbufer', bring: ['Arbeitshandschuhe', 'Gummistiefel'], site: { name: 'Bauhof Dresden', address: { street: 'Hafenstraße 3', postalCode: '01067', city: 'Dresden' }, meetingPoint: 'Tor 2' } },
        shiftStart: '2026-12-05T07:00:00Z', shiftEnd: '2026-12-05T11:00:00Z', expiresAt: '2026-12-04T18:00:00Z',
        acceptUrl: `http://127.0.0.1:8080/me.html#assignment=${randomUUID()}&key=${'k'.repeat(43)}`, selfServiceUrl: 'http://127.0.0.1:8080/me.html',
      },
      'de',
    );
    const transport = nodemailer.createTransport({ url: mail.smtpUrl, pool: true, maxConnections: connections, maxMessages: Infinity } as never);
    log(`baseline: ${proposals} mails with nodemailer in a bare loop (${connections} pooled connections)`);
    const baselineStart = Date.now();
    const baselineCpu = { own: ownCpuMs(), mail: mail.cpuMs() };
    await Promise.all(
      Array.from({ length: proposals }, (_, i) =>
        transport.sendMail({ from: 'Kathelfer <kathelfer@localhost>', to: `baseline-${i}@example.org`, subject: sample.subject, text: sample.text, html: sample.html }),
      ),
    );
    const baselineMs = Date.now() - baselineStart;
    const baselineCpuMs = { own: ownCpuMs() - baselineCpu.own, mail: mail.cpuMs() - baselineCpu.mail };
    transport.close();
    const baselineRate = proposals / (baselineMs / 1000);
    // Per mail, from the loop's start to the server's acceptance: the bound any sender on this pool and server has.
    const baselineLatencies = (await mail.envelopes())
      .filter((e) => e.to.some((to) => to.startsWith('baseline-')))
      .map((e) => e.acceptedAt - baselineStart)
      .sort((a, b) => a - b);
    log(`baseline: ${baselineMs} ms, ${baselineRate.toFixed(0)} mails/s`);

    // --- the platform: registration with its notification worker and consumers
    const env = {
      DATABASE_URL: datastores.databaseUrl, REDIS_URL: datastores.redisUrl, DB_SCHEMA: 'registration', REDIS_PREFIX: 'bench:', JWT_SECRET: testJwtSecret,
      SMTP_URL: mail.smtpUrl, SMTP_MAX_CONNECTIONS: String(connections), PUBLIC_WEB_URL: 'http://127.0.0.1:8080', ACTION_LINK_SECRET: 'bench-action-link-secret-0123456789abcdef',
      NOTIFY_MAX_PER_HOUR: '100', LOG_LEVEL: 'warn', DB_POOL_MAX: process.env.BENCH_POOL ?? '20',
    };
    const registration = createRegistration(loadRegistrationConfig(env), createLogger({ name: 'registration', level: 'warn' }));
    await registration.start();
    const sql = registration.sequelize;
    log(`registering ${proposals} volunteers who opted into e-mail (one INSERT)`);
    await sql.query(
      `INSERT INTO registration.helpers (id, status, name, email, max_travel_km, availability, max_hours_per_day, adult_confirmed, consent_version, consent_purposes, consented_at, locale)
       SELECT gen_random_uuid(), 'active', 'Bench ' || i, 'volunteer-' || i || '@example.org', 25, '[]'::jsonb, 8, true, '2026-02', '{coordination,notify-email}', now(), CASE WHEN i % 5 = 0 THEN 'en' ELSE 'de' END
         FROM generate_series(1, $1) AS i`,
      { bind: [proposals] },
    );
    const helpers = await sql.query<{ id: string; email: string }>(`SELECT id, email FROM registration.helpers`, { type: QueryTypes.SELECT });

    // The producing side of the round: an outbox like matching's, relayed by common's relay.
    await sql.query('CREATE SCHEMA producer');
    await createOutboxTable(sql, 'producer');
    await addOutboxVersionColumn(sql, 'producer');
    const outbox = defineOutboxModel(sql, 'producer');
    const relay = new OutboxRelay({ sequelize: sql, schema: 'producer', redis: registration.redis, streamPrefix: 'bench:events:', pollMs: 50, batchSize: 1000, logger: registration.logger });
    relay.start();
    const tasks = Array.from({ length: 50 }, (_, i) => ({ id: randomUUID(), start: new Date(Date.now() + (24 + (i % 12)) * 3_600_000) }));
    await sql.transaction(async (transaction) => {
      for (const task of tasks) {
        const payload = taskEventOf(
          {
            id: task.id, incidentId: 'bench-flood', siteId: randomUUID(), status: 'open', skills: ['sandbagging'], resources: [], headcount: 100, filledCount: 0, priority: 2,
            shiftStart: task.start, shiftEnd: new Date(task.start.getTime() + 4 * 3_600_000), postalArea: '010', latitude: 51.05, longitude: 13.74, version: 1,
            title: `Deich sichern, Abschnitt ${tasks.indexOf(task) + 1}`, bring: ['Arbeitshandschuhe'],
          } as never,
          { id: randomUUID(), capacity: 200, name: 'Bauhof Dresden', street: 'Hafenstraße 3', postalCode: '01067', city: 'Dresden', meetingPoint: 'Tor 2' },
        );
        await publish(outbox, transaction, 'tasks', 'task.created', payload);
      }
    });
    relay.kick();
    for (let known = 0; known < tasks.length; ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      [{ n: known } = { n: 0 }] = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM registration.notification_tasks`, { type: QueryTypes.SELECT });
    }
    const baseMails = (await mail.envelopes()).length;

    log(`the round: ${proposals} assignment.proposed in one transaction`);
    const payloads: Array<PayloadIn<'matching', 'assignment.proposed'>> = helpers.map((h, i) => {
      const task = tasks[i % tasks.length] ?? tasks[0];
      const start = task?.start ?? new Date();
      return {
        assignmentId: randomUUID(), taskId: task?.id ?? '', helperId: h.id, incidentId: 'bench-flood', status: 'proposed',
        shiftStart: start.toISOString(), shiftEnd: new Date(start.getTime() + 4 * 3_600_000).toISOString(), expiresAt: new Date(Date.now() + 1_800_000).toISOString(),
        occurredAt: new Date().toISOString(),
      };
    });
    await sql.transaction(async (transaction) => {
      await publishAll(outbox, transaction, 'matching', 'assignment.proposed', payloads);
    });
    const t0 = Date.now();
    const platformCpu = { own: ownCpuMs(), mail: mail.cpuMs() };
    relay.kick();
    const byEmail = new Set(helpers.map((h) => h.email));
    let envelopes: Envelope[] = [];
    const deadline = t0 + 300_000;
    while (Date.now() < deadline) {
      envelopes = (await mail.envelopes()).slice(baseMails).filter((e) => e.to.some((to) => byEmail.has(to)));
      if (envelopes.length >= proposals) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const latencies = envelopes.map((e) => e.acceptedAt - t0).sort((a, b) => a - b);
    const lastMs = latencies.at(-1) ?? NaN;
    const platformCpuMs = { own: ownCpuMs() - platformCpu.own, mail: mail.cpuMs() - platformCpu.mail };
    const rate = envelopes.length / (lastMs / 1000);
    const [queued] = await sql.query<{ p50: number; last: number }>(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM created_at)) * 1000 AS p50, extract(epoch FROM max(created_at)) * 1000 AS last
         FROM registration.notifications WHERE kind = 'proposal'`,
      { type: QueryTypes.SELECT },
    );
    // Where the time went: a stream entry's id starts with the ms it was added at (the relay's publish).
    const entryMs = (entries: Array<{ id: string }> | null | undefined) => Number(entries?.[0]?.id.split('-')[0] ?? NaN) - t0;
    const relayedFirst = entryMs(await registration.redis.xRange('bench:events:matching', '-', '+', { COUNT: 1 }));
    const relayedLast = entryMs(await registration.redis.xRevRange('bench:events:matching', '+', '-', { COUNT: 1 }));
    const after = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    log(`relayed to the stream: first ${after(relayedFirst)}, last ${after(relayedLast)} after the commit`);
    log(`queued by the consumers: p50 ${after(Number(queued?.p50) - t0)}, last ${after(Number(queued?.last) - t0)} after the commit`);
    log(`accepted by the SMTP server: first ${after(latencies[0] ?? NaN)}, last ${after(lastMs)} after the commit`);
    await relay.stop();
    await registration.close();

    const rows: Array<[string, string, string, string, string, string]> = [
      ['run', 'mails', 'p50 per volunteer', 'p99 per volunteer', 'last mail', 'mails/s'],
      [
        'baseline: nodemailer bare loop',
        String(proposals),
        `${(quantile(baselineLatencies, 0.5) / 1000).toFixed(2)} s`,
        `${(quantile(baselineLatencies, 0.99) / 1000).toFixed(2)} s`,
        `${(baselineMs / 1000).toFixed(2)} s`,
        baselineRate.toFixed(0),
      ],
      [
        'round commit → proposal mails',
        `${envelopes.length} of ${proposals}`,
        `${(quantile(latencies, 0.5) / 1000).toFixed(2)} s`,
        `${(quantile(latencies, 0.99) / 1000).toFixed(2)} s`,
        `${(lastMs / 1000).toFixed(2)} s`,
        rate.toFixed(0),
      ],
    ];
    const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => r[c]?.length ?? 0))) ?? [];
    const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(' | ')} |`;
    process.stdout.write(`\nbench:notifications — ${proposals} proposals, ${connections} SMTP connections, 1 registration replica\n\n`);
    process.stdout.write(`${line(rows[0] ?? [])}\n| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |\n${rows.slice(1).map(line).join('\n')}\n\n`);
    const perMail = (ms: number, n: number) => (ms / n).toFixed(2);
    process.stdout.write(
      `CPU per mail (ms; the sender's process, then the SMTP server's): baseline ${perMail(baselineCpuMs.own, proposals)} + ${perMail(baselineCpuMs.mail, proposals)}, ` +
        `platform (registration, relay and its sender in one process) ${perMail(platformCpuMs.own, envelopes.length)} + ${perMail(platformCpuMs.mail, envelopes.length)}; PostgreSQL not counted\n`,
    );
    process.stdout.write(`load average (1 min) at the end: ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} cores\n`);
    process.stdout.write(
      `rate vs baseline: ${(rate / baselineRate).toFixed(2)}× (target ≥ 0.7×); p99 ${(quantile(latencies, 0.99) / 1000).toFixed(2)} s (target < 10 s; ` +
        `the bare loop's own p99 in this run: ${(quantile(baselineLatencies, 0.99) / 1000).toFixed(2)} s)\n`,
    );
    if (envelopes.length < proposals) process.exitCode = 1;
  } finally {
    mail.stop();
    await datastores.purge();
  }
}

await main();
