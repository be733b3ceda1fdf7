/**
 * A small SVG line chart for the demo's timeline: stacked panels sharing one time axis, each with
 * its own y scale and legend. Pure (series in, SVG text out), so it is tested without a browser.
 */
export interface Series {
  label: string;
  color: string;
  /** [seconds since the start, value] */
  points: Array<[number, number]>;
}

export interface Panel {
  title: string;
  unit: string;
  series: Series[];
}

export interface Marker {
  at: number;
  label: string;
}

const width = 960;
const panelHeight = 200;
const margin = { left: 64, right: 180, top: 64, bottom: 44 };

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * magnitude) return step * magnitude;
  return 10 * magnitude;
}

export function renderChart(title: string, panels: Panel[], markers: Marker[] = []): string {
  const allPoints = panels.flatMap((p) => p.series.flatMap((s) => s.points));
  const tMax = Math.max(1, ...allPoints.map(([t]) => t));
  const plotWidth = width - margin.left - margin.right;
  const height = margin.top + panels.length * (panelHeight + margin.bottom) + 10;
  const x = (t: number) => margin.left + (t / tMax) * plotWidth;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${margin.left}" y="28" font-size="16" font-weight="bold">${escape(title)}</text>`,
  ];
  panels.forEach((panel, i) => {
    const top = margin.top + i * (panelHeight + margin.bottom);
    const yMax = niceMax(Math.max(0, ...panel.series.flatMap((s) => s.points.map(([, v]) => v))));
    const y = (v: number) => top + panelHeight - (v / yMax) * panelHeight;
    parts.push(`<text x="${margin.left}" y="${top - 6}" font-weight="bold">${escape(panel.title)}</text>`);
    parts.push(`<rect x="${margin.left}" y="${top}" width="${plotWidth}" height="${panelHeight}" fill="none" stroke="#999"/>`);
    for (const f of [0, 0.5, 1]) {
      parts.push(`<text x="${margin.left - 6}" y="${y(yMax * f) + 4}" text-anchor="end" fill="#555">${+(yMax * f).toFixed(1)}</text>`);
      parts.push(`<line x1="${margin.left}" x2="${margin.left + plotWidth}" y1="${y(yMax * f)}" y2="${y(yMax * f)}" stroke="#eee"/>`);
    }
    parts.push(`<text x="${margin.left - 50}" y="${top + panelHeight / 2}" fill="#555" transform="rotate(-90 ${margin.left - 50} ${top + panelHeight / 2})" text-anchor="middle">${escape(panel.unit)}</text>`);
    markers.forEach((m, k) => {
      parts.push(`<line x1="${x(m.at)}" x2="${x(m.at)}" y1="${top}" y2="${top + panelHeight}" stroke="#c00" stroke-dasharray="4 3"/>`);
      // staggered, so that markers close in time do not print over each other
      if (i === 0) parts.push(`<text x="${x(m.at) + 3}" y="${top + 12 + (k % 3) * 14}" fill="#c00">${escape(m.label)}</text>`);
    });
    panel.series.forEach((s, j) => {
      if (s.points.length > 0) {
        // a step line: replicas and counts change at instants, they do not slope
        let d = `M${x(s.points[0]![0]).toFixed(1)},${y(s.points[0]![1]).toFixed(1)}`;
        for (let k = 1; k < s.points.length; k++) d += ` H${x(s.points[k]![0]).toFixed(1)} V${y(s.points[k]![1]).toFixed(1)}`;
        d += ` H${x(tMax).toFixed(1)}`; // the last value holds until the end of the timeline
        parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
      }
      parts.push(`<rect x="${width - margin.right + 12}" y="${top + 8 + j * 18}" width="12" height="3" fill="${s.color}"/>`);
      parts.push(`<text x="${width - margin.right + 30}" y="${top + 13 + j * 18}">${escape(s.label)}</text>`);
    });
    parts.push(`<text x="${margin.left + plotWidth}" y="${top + panelHeight + 16}" text-anchor="end" fill="#555">${tMax.toFixed(0)} s</text>`);
    parts.push(`<text x="${margin.left}" y="${top + panelHeight + 16}" fill="#555">0 s</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
