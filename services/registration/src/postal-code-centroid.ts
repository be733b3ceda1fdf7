/**
 * An approximate location for helpers who gave only a postal code: the centroid of the postal-code
 * area, rounded to 0.01°. Matching can then plan them (it needs coordinates for travel distances);
 * a centroid says less about where someone lives than the coarse coordinates of an exact address,
 * so it adds no personal detail. Data: scripts/postal-code-centroids.ts says where it comes from
 * (© OpenStreetMap contributors, ODbL 1.0) and how to regenerate it.
 */
import centroids from './data/postal-code-centroids.json' with { type: 'json' };

// A Map, not the object: a lookup of "constructor" must not find Object.prototype's.
const table: ReadonlyMap<string, readonly [number, number]> = new Map(Object.entries(centroids as unknown as Record<string, [number, number]>));

/** The centroid of a German postal code, or null for a code the table does not know. */
export function postalCodeCentroid(postalCode: string | null | undefined): { latitude: number; longitude: number } | null {
  const hit = postalCode ? table.get(postalCode) : undefined;
  return hit === undefined ? null : { latitude: hit[0], longitude: hit[1] };
}
