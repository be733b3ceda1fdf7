import type { Migration } from '@kathelfer/common/db';
import { initial } from './0001-initial.js';
import { personNotPhone } from './0002-person-not-phone.js';
import { availabilityPostgresCanCompare } from './0003-availability-postgres-can-compare.js';
import { helperIncidents } from './0004-helper-incidents.js';
import { outboxVersion } from './0005-outbox-version.js';
import { notifications } from './0006-notifications.js';

/** In order; a migration, once released, is never edited — add a new one. */
export const migrations: Migration[] = [initial, personNotPhone, availabilityPostgresCanCompare, helperIncidents, outboxVersion, notifications];
