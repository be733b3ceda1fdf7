import test from 'ava';
import { signToken } from '@kathelfer/common/testing/http';
import { fuzzOpenApi } from '@kathelfer/common/testing/openapi-fuzz';
import { startMatching, type Running } from './support/matching.js';

let svc: Running;
test.before(async () => {
  svc = await startMatching();
});
test.after.always(() => svc?.close());

// See services/registration/test/fuzz.integration.test.ts for how the count was chosen.
const numRuns = Number(process.env.FUZZ_RUNS ?? 1500);

test('requests generated from its own OpenAPI document never get a 5xx, and every 4xx is a problem document', async (t) => {
  const report = await fuzzOpenApi({
    url: svc.url,
    authorizations: [`Bearer ${await signToken(['coordinator'])}`, 'Bearer kh_not-a-known-helper-token'],
    knownIds: ['flood-2026', '8d1f3c55-6a0e-4a7d-9d51-0c8b0b5c1d00'],
    numRuns,
  });
  t.is(report.requests, numRuns);
  t.log(`${report.requests} requests over ${report.operations} operations (seed ${report.seed}):`, JSON.stringify(report.statuses));
});
