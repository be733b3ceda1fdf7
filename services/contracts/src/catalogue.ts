/**
 * Every stream, its event types, their versions, who produces and who consumes each: the one
 * declaration producers publish against (common's `publish`) and consumers parse with (common's
 * `consumeContract`). The README's architecture table is generated from it (architecture-table.ts).
 *
 * Versioning (services/README.md "Events"): within a version, changes are additive and optional
 * only (consumers strip fields they do not know). Anything else is a new version, rolled out
 * consumers first: every consumer must accept the new version before a producer writes it.
 */
import type { z } from 'zod';
import { assignmentChangedV1 } from './assignment-events.js';
import { helperErasedV1, helperSnapshotV1 } from './registration-events.js';
import { checkinRecordedV1, checkoutRecordedV1, taskSnapshotV1 } from './task-events.js';

/** A service or consumer group, by name. */
export type Party = 'registration' | 'tasks' | 'matching' | 'notifications';

export interface EventContract {
  /** The version producers write now. */
  readonly current: number;
  /** Every version still on the bus, by number: consumers must accept each until it is gone. */
  readonly versions: Readonly<Record<number, z.ZodType>>;
  /** Consumer groups that read this event type. */
  readonly consumers: readonly Party[];
  /** What the event says happened, for the README table. */
  readonly summary: string;
}

export interface StreamContract {
  /** The stream's name without the Redis prefix (`<REDIS_PREFIX>events:<name>`). */
  readonly name: string;
  readonly producer: Party;
  readonly events: Readonly<Record<string, EventContract>>;
}

const v1 = <S extends z.ZodType>(schema: S, consumers: readonly Party[], summary: string) =>
  ({ current: 1, versions: { 1: schema }, consumers, summary }) as const;

export const contracts = {
  registration: {
    name: 'registration',
    producer: 'registration',
    events: {
      'helper.registered': v1(helperSnapshotV1, ['matching', 'tasks'], 'a helper registered: the matching projection and the token hash'),
      'helper.updated': v1(helperSnapshotV1, ['matching', 'tasks'], 'a helper changed skills, availability, incidents, paused, or their token'),
      'helper.erased': v1(helperErasedV1, ['matching', 'tasks'], 'a helper erased their data: every copy goes'),
    },
  },
  tasks: {
    name: 'tasks',
    producer: 'tasks',
    events: {
      'task.created': v1(taskSnapshotV1, ['matching', 'notifications'], 'a coordinator posted a task'),
      'task.updated': v1(taskSnapshotV1, ['matching', 'notifications'], "a task, its fill or its site's capacity changed"),
      'task.cancelled': v1(taskSnapshotV1, ['matching', 'notifications'], 'a coordinator cancelled a task'),
      'checkin.recorded': v1(checkinRecordedV1, [], 'a site lead checked a helper in'),
      'checkout.recorded': v1(checkoutRecordedV1, [], 'a site lead checked a helper out'),
    },
  },
  matching: {
    name: 'matching',
    producer: 'matching',
    events: {
      'assignment.proposed': v1(assignmentChangedV1, ['notifications'], 'matching proposed a helper for a task shift'),
      'assignment.accepted': v1(assignmentChangedV1, ['tasks', 'notifications'], 'the helper accepted: counts towards the fill'),
      'assignment.declined': v1(assignmentChangedV1, ['tasks', 'notifications'], 'the helper declined'),
      'assignment.expired': v1(assignmentChangedV1, ['tasks', 'notifications'], 'the proposal expired unanswered'),
      'assignment.cancelled': v1(assignmentChangedV1, ['tasks', 'notifications'], 'a coordinator, an erasure, a cancelled task or a lowered headcount ended it'),
    },
  },
} as const satisfies Record<string, StreamContract>;

export type Contracts = typeof contracts;
export type StreamKey = keyof Contracts;
export type EventTypeOf<S extends StreamKey> = keyof Contracts[S]['events'] & string;
type Entry<S extends StreamKey, T extends EventTypeOf<S>> = Contracts[S]['events'][T];
type CurrentSchema<S extends StreamKey, T extends EventTypeOf<S>> =
  Entry<S, T> extends { current: infer C extends number; versions: infer V } ? (C extends keyof V ? V[C] : never) : never;

/** What a producer writes for `type` on `stream` (the current version's input). */
export type PayloadIn<S extends StreamKey, T extends EventTypeOf<S>> = z.input<CurrentSchema<S, T>>;
/** What a consumer gets for `type` on `stream` after parsing the current version. */
export type Payload<S extends StreamKey, T extends EventTypeOf<S>> = z.output<CurrentSchema<S, T>>;

/** The contract of one event type, or undefined when the stream has no such type. */
export function contractOf(stream: StreamKey, type: string): EventContract | undefined {
  const events: Readonly<Record<string, EventContract>> = contracts[stream].events;
  return Object.hasOwn(events, type) ? events[type] : undefined;
}

/** The schema producers write now for `type` on `stream`. @throws Error for a type the stream does not declare */
export function currentSchema(stream: StreamKey, type: string): { version: number; schema: z.ZodType } {
  const contract = contractOf(stream, type);
  const schema = contract?.versions[contract.current];
  if (contract === undefined || schema === undefined) throw new Error(`the stream "${stream}" declares no event type "${type}"`);
  return { version: contract.current, schema };
}

/** The schema of `version` of `type` on `stream`, as consumers parse with it; undefined when not declared. */
export function schemaOf(stream: StreamKey, type: string, version: number): z.ZodType | undefined {
  return contractOf(stream, type)?.versions[version];
}
