/**
 * The one way a producer writes an event: checked against its contract (@kathelfer/contracts),
 * then recorded in the transactional outbox inside the caller's transaction, so the change and its
 * event commit or roll back together. A payload that breaks its contract throws before anything is
 * written: a renamed field fails the producer's own tests, not the consumer in production.
 */
import { currentSchema, type EventTypeOf, type PayloadIn, type StreamKey } from '@kathelfer/contracts';
import type { Transaction } from 'sequelize';
import { appendEvent, appendEvents } from './outbox.js';
import type { OutboxModel } from './outbox.model.js';

/** A producer wrote an event its contract does not allow: a bug in the producer, never bad input. */
export class ContractViolation extends Error {
  constructor(
    readonly stream: string,
    readonly type: string,
    readonly issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>,
  ) {
    super(`an event ${type} on ${stream} breaks its contract: ${issues.map((i) => `${i.path.map(String).join('.') || '(payload)'}: ${i.message}`).join('; ')}`);
    this.name = 'ContractViolation';
  }
}

/**
 * `payload` checked against the current version of its contract, as the outbox stores it.
 * @throws ContractViolation when it breaks the contract
 */
export function checked(stream: StreamKey, type: string, payload: unknown): { version: number; payload: Record<string, unknown> } {
  const { version, schema } = currentSchema(stream, type);
  const parsed = schema.safeParse(payload);
  if (!parsed.success) throw new ContractViolation(stream, type, parsed.error.issues);
  // What goes on the bus is the parsed payload: a field the contract does not declare never leaves.
  return { version, payload: parsed.data as Record<string, unknown> };
}

/**
 * Records one event of `type` on `stream` in the outbox inside `transaction`, at the contract's
 * current version; returns its event id (consumers deduplicate by it).
 * @throws ContractViolation when `payload` breaks the contract (nothing is written then)
 */
export async function publish<S extends StreamKey, T extends EventTypeOf<S>>(
  outbox: OutboxModel,
  transaction: Transaction,
  stream: S,
  type: T,
  payload: PayloadIn<S, T>,
): Promise<string> {
  return appendEvent(outbox, transaction, stream, { type, ...checked(stream, type, payload) });
}

/**
 * Records many events of one type in one INSERT (a planning round proposes hundreds at once);
 * returns their ids in order. Their order on the stream is not defined.
 * @throws ContractViolation when any payload breaks the contract (nothing is written then)
 */
export async function publishAll<S extends StreamKey, T extends EventTypeOf<S>>(
  outbox: OutboxModel,
  transaction: Transaction,
  stream: S,
  type: T,
  payloads: ReadonlyArray<PayloadIn<S, T>>,
): Promise<string[]> {
  return appendEvents(outbox, transaction, stream, payloads.map((payload) => ({ type, ...checked(stream, type, payload) })));
}
