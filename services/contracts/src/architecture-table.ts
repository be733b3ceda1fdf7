/**
 * The README's table of streams, event types, producers and consumers, generated from the
 * catalogue; a test checks the README holds exactly this (between the `contracts:table` markers).
 * Print it with `npm run table -w services/contracts`.
 */
import { contracts, type EventContract, type StreamContract } from './catalogue.js';

export const tableBegin = '<!-- contracts:table:begin (generated from services/contracts; npm run table -w services/contracts) -->';
export const tableEnd = '<!-- contracts:table:end -->';

/** The Markdown table, one row per stream and event type. */
export function architectureTable(): string {
  const rows = ['| stream | event type | version | producer | consumer groups | what happened |', '|---|---|---|---|---|---|'];
  for (const stream of Object.values(contracts) as StreamContract[]) {
    for (const [type, contract] of Object.entries<EventContract>(stream.events)) {
      const versions = Object.keys(contract.versions).map((v) => `v${v}`).join(', ');
      const consumers = contract.consumers.length === 0 ? '—' : contract.consumers.map((c) => `\`${c}\``).join(', ');
      rows.push(`| \`${stream.name}\` | \`${type}\` | ${versions} (writes v${contract.current}) | \`${stream.producer}\` | ${consumers} | ${contract.summary} |`);
    }
  }
  return [tableBegin, ...rows, tableEnd].join('\n');
}
