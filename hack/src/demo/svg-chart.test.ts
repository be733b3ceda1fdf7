import test from 'ava';
import { renderChart } from './svg-chart.js';

test('the chart is one SVG with a panel title, a legend entry and a step line per series, and escapes text', (t) => {
  const svg = renderChart('Flood <demo>', [
    { title: 'Replicas', unit: 'replicas', series: [{ label: 'tasks', color: '#07c', points: [[0, 1], [2, 6], [30, 1]] }] },
    { title: 'Registrations', unit: 'per second', series: [{ label: 'registration', color: '#c70', points: [[5, 120]] }] },
  ], [{ at: 2, label: 'declared' }]);
  t.true(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"') && svg.endsWith('</svg>'));
  t.true(svg.includes('Flood &lt;demo&gt;'));
  t.is((svg.match(/<path /g) ?? []).length, 2);
  t.regex(svg, /<path d="M64\.0,[\d.]+ H[\d.]+ V[\d.]+ H[\d.]+ V[\d.]+ H780\.0"/, 'steps, then the last value held to the end');
  t.true(svg.includes('>tasks</text>') && svg.includes('>declared</text>'));
});

test('an empty series still gets its legend and no broken path', (t) => {
  const svg = renderChart('x', [{ title: 'p', unit: 'u', series: [{ label: 'none yet', color: '#000', points: [] }] }]);
  t.false(svg.includes('<path'));
  t.true(svg.includes('none yet'));
});
