import type { History } from '../state.js';

const WIDTH = 640;
const HEIGHT = 400;
const MARGIN = { left: 70, right: 20, top: 40, bottom: 50 };

/** "Nice" tick values covering [low, high]. */
function ticks(low: number, high: number, count: number): number[] {
  const span = high - low || 1;
  const rough = span / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? rough;
  const first = Math.ceil(low / step) * step;
  // Counted, not accumulated: where the step is below the values' float spacing, v + step == v.
  const n = Math.min(2 * count, Math.floor((high - first) / step + 1e-9));
  const out: number[] = [];
  for (let i = 0; i <= n; i++) out.push(Number((first + i * step).toPrecision(12)));
  return out;
}

/** The smallest and largest value, without spreading (a long history is more arguments than a call takes). */
function extent(values: readonly number[]): [number, number] {
  let low = Infinity;
  let high = -Infinity;
  for (const v of values) {
    low = Math.min(low, v);
    high = Math.max(high, v);
  }
  return [low, high];
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** The learning curve as a standalone SVG line chart with labelled axes; `loss` names its values. */
export function klPlotSvg(history: History, title = 'KL divergence per epoch', loss = 'KL divergence'): string {
  const { epoch, klDivergence: kl } = history;
  const [lowEpoch, highEpoch] = extent(epoch);
  const first = Math.min(lowEpoch, 1);
  const last = Math.max(highEpoch, first + 1);
  // A little room either side, so the end points are not cut by the axes.
  const x0 = first - (last - first) * 0.03;
  const x1 = last + (last - first) * 0.03;
  const [lowKl, highKl] = extent(kl);
  const pad = (highKl - lowKl) * 0.05 || Math.abs(highKl) * 0.05 || 0.01;
  const [y0, y1] = [lowKl - pad, highKl + pad];
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const sx = (e: number) => MARGIN.left + ((e - x0) / (x1 - x0)) * plotW;
  const sy = (v: number) => MARGIN.top + (1 - (v - y0) / (y1 - y0)) * plotH;
  const xTicks = ticks(first, last, 8).filter((t) => Number.isInteger(t));
  const yTicks = ticks(y0, y1, 6);
  const points = epoch.map((e, i) => `${sx(e).toFixed(1)},${sy(kl[i]).toFixed(1)}`);
  const bottom = HEIGHT - MARGIN.bottom;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="15">${escape(title)}</text>`,
    ...xTicks.map((t) => `<line x1="${sx(t)}" y1="${bottom}" x2="${sx(t)}" y2="${bottom + 5}" stroke="black"/><text x="${sx(t)}" y="${bottom + 18}" text-anchor="middle">${t}</text>`),
    ...yTicks.map((t) => `<line x1="${MARGIN.left - 5}" y1="${sy(t)}" x2="${WIDTH - MARGIN.right}" y2="${sy(t)}" stroke="#ddd"/><text x="${MARGIN.left - 8}" y="${sy(t) + 4}" text-anchor="end">${t}</text>`),
    `<line x1="${MARGIN.left}" y1="${bottom}" x2="${WIDTH - MARGIN.right}" y2="${bottom}" stroke="black"/>`,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${bottom}" stroke="black"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 12}" text-anchor="middle">epoch</text>`,
    `<text transform="translate(18 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escape(loss)}</text>`,
    `<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="${points.join(' ')}"/>`,
    ...points.map((p) => `<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="3" fill="#1f77b4"/>`),
    '</svg>',
    '',
  ].join('\n');
}
