import { architectureTable } from './architecture-table.js';

process.stdout.write(`${architectureTable()}\n`);
