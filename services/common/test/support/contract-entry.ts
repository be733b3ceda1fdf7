/**
 * Stream entries for tests that drive a consumer with chosen events (order, duplicates, races):
 * each payload is checked against its contract first, so a test's event can never drift from what
 * producers are allowed to write. Producers' real output is checked by their own contract tests.
 */
import { randomUUID } from 'node:crypto';
import type { EventTypeOf, PayloadIn, StreamKey } from '@kathelfer/contracts';
import { checked } from '../../src/publish.js';

/** The fields of a stream entry as the outbox relay writes them for this event. @throws ContractViolation */
export function contractEntry<S extends StreamKey, T extends EventTypeOf<S>>(
  stream: S,
  type: T,
  payload: PayloadIn<S, T>,
  options: { id?: string; occurredAt?: string } = {},
): Record<string, string> {
  const event = checked(stream, type, payload);
  return {
    id: options.id ?? randomUUID(),
    type,
    version: String(event.version),
    payload: JSON.stringify(event.payload),
    occurredAt: options.occurredAt ?? new Date().toISOString(),
  };
}

/**
 * A complete `helper.registered`/`helper.updated` payload for consumer tests, with `fields` over
 * defaults (a helper available around Dresden for the next two days).
 */
export function helperSnapshot(fields: Partial<PayloadIn<'registration', 'helper.registered'>> & { helperId: string }): PayloadIn<'registration', 'helper.registered'> {
  const incidentId = fields.incidentId === undefined ? 'flood-2026' : fields.incidentId;
  return {
    incidentId,
    incidentIds: incidentId === null ? [] : [incidentId],
    skills: ['sandbagging'],
    languages: [],
    resources: [],
    area: { postalArea: '010', latitude: 51.05, longitude: 13.74 },
    maxTravelKm: 30,
    maxHoursPerDay: 8,
    availability: [{ from: new Date(Date.now() - 3600_000).toISOString(), to: new Date(Date.now() + 48 * 3600_000).toISOString() }],
    paused: false,
    tokenHash: null,
    ...fields,
  };
}
