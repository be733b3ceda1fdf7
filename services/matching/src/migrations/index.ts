import type { Migration } from '@kathelfer/common/db';
import { initial } from './0001-initial.js';
import { helperIncidentIds } from './0002-helper-incident-ids.js';
import { eventContracts } from './0003-event-contracts.js';
import { incidentId } from './0004-incident-id.js';

/** In order; a migration, once released, is never edited — add a new one. */
export const migrations: Migration[] = [initial, helperIncidentIds, eventContracts, incidentId];
