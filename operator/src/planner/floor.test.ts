import test from 'ava';
import fc from 'fast-check';
import { activity, demand, planSpec, targetFloor } from './floor.js';
import { at, event, plan, t0 } from './fixtures.js';

const spec = planSpec(plan('registration', { maxReplicas: 10, helpersPerReplica: 500 }));

test('the floor is the surge replicas of the severity', (t) => {
  t.deepEqual([1, 2, 3, 4].map((severity) => demand(spec, event('e', { severity }))), [2, 4, 6, 8]);
});

test('expectedHelpers raises the floor to ceil(expected / helpersPerReplica), capped by maxReplicas', (t) => {
  t.is(demand(spec, event('e', { severity: 1, expectedHelpers: 2_001 })), 5);
  t.is(demand(spec, event('e', { severity: 1, expectedHelpers: 1_000_000 })), 10);
  t.is(demand(spec, event('e', { severity: 4, expectedHelpers: 10 })), 8, 'a small crowd never lowers the severity floor');
});

test('overlapping events: the floor is the maximum over the active ones', (t) => {
  const events = [event('storm', { severity: 2 }), event('flood', { severity: 4 }), event('old', { severity: 4, state: 'Ended' })];
  t.deepEqual(targetFloor(spec, events, t0), { floor: 8, drivenBy: ['flood', 'storm'], uncapped: undefined });
});

test('without active events the floor is standby', (t) => {
  t.deepEqual(targetFloor(spec, [event('old', { state: 'Ended' })], t0), { floor: 1, drivenBy: [], uncapped: undefined });
});

test('a window in the future is scheduled until prewarmSeconds before its start, then active', (t) => {
  const e = event('e', { window: { start: at(600).toISOString() } });
  t.deepEqual(activity(e, 120, t0), { kind: 'scheduled', surgeAt: at(480) });
  t.deepEqual(activity(e, 120, at(480)), { kind: 'active', since: at(480) });
});

test('an event past its window end, ended, or being deleted has ended', (t) => {
  t.is(activity(event('e', { window: { end: at(10).toISOString() } }), 0, at(10)).kind, 'ended');
  t.is(activity(event('e', { state: 'Ended' }), 0, t0).kind, 'ended');
  const deleting = event('e');
  deleting.metadata = { ...deleting.metadata, deletionTimestamp: t0 };
  t.is(activity(deleting, 0, t0).kind, 'ended');
});

const planArb = fc
  .record({
    standby: fc.integer({ min: 0, max: 5 }),
    steps: fc.tuple(fc.nat(5), fc.nat(5), fc.nat(5), fc.nat(5)),
    extra: fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
    hpr: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: undefined }),
  })
  .map(({ standby, steps, extra, hpr }) => {
    const s1 = standby + steps[0];
    const s2 = s1 + steps[1];
    const s3 = s2 + steps[2];
    const s4 = s3 + steps[3];
    return planSpec(
      plan('p', {
        standbyReplicas: standby,
        surgeReplicas: { severity1: s1, severity2: s2, severity3: s3, severity4: s4 },
        ...(extra !== undefined ? { maxReplicas: s4 + extra } : {}),
        ...(hpr !== undefined ? { helpersPerReplica: hpr } : {}),
      }),
    );
  });
const eventArb = fc.record({ severity: fc.integer({ min: 1, max: 4 }), expectedHelpers: fc.option(fc.nat(100_000), { nil: undefined }) });

test('property: the floor never falls below standby nor rises above maxReplicas', (t) => {
  fc.assert(
    fc.property(planArb, fc.array(eventArb, { maxLength: 4 }), (p, es) => {
      const { floor } = targetFloor(p, es.map((e, i) => event(`e${i}`, e)), t0);
      return floor >= p.standby && (p.maxReplicas === undefined || floor <= p.maxReplicas);
    }),
  );
  t.pass();
});

test('property: a higher severity never gives fewer replicas', (t) => {
  fc.assert(
    fc.property(planArb, eventArb, (p, e) => {
      const lower = demand(p, event('a', e));
      const higher = demand(p, event('b', { ...e, severity: Math.min(4, e.severity + 1) }));
      return higher >= lower;
    }),
  );
  t.pass();
});

test('property: adding an active event never lowers the floor', (t) => {
  fc.assert(
    fc.property(planArb, fc.array(eventArb, { maxLength: 3 }), eventArb, (p, es, extra) => {
      const events = es.map((e, i) => event(`e${i}`, e));
      return targetFloor(p, [...events, event('extra', extra)], t0).floor >= targetFloor(p, events, t0).floor;
    }),
  );
  t.pass();
});

test('the operator-wide cap lowers any floor and says what was asked', (t) => {
  const unbounded = planSpec(plan('web', { helpersPerReplica: 1 }));
  t.deepEqual(targetFloor(unbounded, [event('e', { expectedHelpers: 1_000_000 })], t0, 100), { floor: 100, drivenBy: ['e'], uncapped: 1_000_000 });
});
