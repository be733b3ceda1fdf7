import type { Migration } from '@kathelfer/common/db';
import { initial } from './0001-initial.js';
import { helperTokens } from './0002-helper-tokens.js';
import { helperTokenIncidents } from './0003-helper-token-incidents.js';
import { outboxVersion } from './0004-outbox-version.js';

/** In order; a migration, once released, is never edited — add a new one. */
export const migrations: Migration[] = [initial, helperTokens, helperTokenIncidents, outboxVersion];
