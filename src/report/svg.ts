// Inline SVG line charts for the report: no script, no external resource. Values are placed by
// linear (or log10) scales; a null value breaks the line. Pure.

import { escapeHtml, formatValue } from './html.js';

export interface ChartSeries {
  label: string;
  /** A CSS class of the page's stylesheet (stroke colour). */
  className: string;
  points: Array<{ x: number; y: number | null }>;
}

export interface ChartOptions {
  title: string;
  /** Classes on the <svg> element (e.g. "metric-chart"), and a data-name attribute. */
  className: string;
  name: string;
  series: ChartSeries[];
  /** Vertical markers (e.g. step changes) at these x values. */
  markers?: Array<{ x: number; label: string }>;
  yScale?: 'linear' | 'log10';
  /** Fixed y range (e.g. [0, 1] for p-values); default: the data's. */
  yRange?: [number, number];
  width?: number;
  height?: number;
}

const PAD = { left: 64, right: 16, top: 28, bottom: 36 };
const Y_TICKS = 4;

function extent(values: number[], fallback: [number, number]): [number, number] {
  if (values.length === 0) return fallback;
  let low = Math.min(...values);
  let high = Math.max(...values);
  if (low === high) {
    const spread = low === 0 ? 1 : Math.abs(low) * 0.1;
    low -= spread;
    high += spread;
  }
  return [low, high];
}

function clockLabel(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

export function lineChart(options: ChartOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 220;
  const log = options.yScale === 'log10';
  const transform = (y: number): number | null => (log ? (y > 0 ? Math.log10(y) : null) : y);
  const xs = options.series.flatMap((series) => series.points.map((point) => point.x));
  const ys = options.series
    .flatMap((series) => series.points.flatMap((point) => (point.y === null ? [] : [transform(point.y)])))
    .filter((y): y is number => y !== null);
  const [xLow, xHigh] = extent(xs, [0, 1]);
  const [yLow, yHigh] = options.yRange ?? extent(ys, [0, 1]);
  const plotWidth = width - PAD.left - PAD.right;
  const plotHeight = height - PAD.top - PAD.bottom;
  const sx = (x: number): number => PAD.left + ((x - xLow) / (xHigh - xLow)) * plotWidth;
  const sy = (y: number): number => PAD.top + plotHeight - ((y - yLow) / (yHigh - yLow)) * plotHeight;
  const parts: string[] = [];
  parts.push(`<rect class="plot" x="${PAD.left}" y="${PAD.top}" width="${plotWidth}" height="${plotHeight}"/>`);
  for (let index = 0; index <= Y_TICKS; index += 1) {
    const y = yLow + ((yHigh - yLow) * index) / Y_TICKS;
    const shown = log ? formatValue(10 ** y) : formatValue(y);
    parts.push(`<line class="grid" x1="${PAD.left}" x2="${PAD.left + plotWidth}" y1="${sy(y).toFixed(1)}" y2="${sy(y).toFixed(1)}"/>`);
    parts.push(`<text class="tick" x="${PAD.left - 6}" y="${(sy(y) + 4).toFixed(1)}" text-anchor="end">${escapeHtml(shown)}</text>`);
  }
  parts.push(`<text class="tick" x="${PAD.left}" y="${height - 12}">${escapeHtml(clockLabel(xLow))}</text>`);
  parts.push(`<text class="tick" x="${PAD.left + plotWidth}" y="${height - 12}" text-anchor="end">${escapeHtml(clockLabel(xHigh))}</text>`);
  for (const marker of options.markers ?? []) {
    if (marker.x < xLow || marker.x > xHigh) continue;
    const x = sx(marker.x).toFixed(1);
    parts.push(`<line class="marker" x1="${x}" x2="${x}" y1="${PAD.top}" y2="${PAD.top + plotHeight}"/>`);
    parts.push(`<text class="marker-label" x="${(sx(marker.x) + 3).toFixed(1)}" y="${PAD.top + 11}">${escapeHtml(marker.label)}</text>`);
  }
  options.series.forEach((series, index) => {
    const segments: string[][] = [[]];
    for (const point of series.points) {
      const y = point.y === null ? null : transform(point.y);
      if (y === null) {
        if ((segments.at(-1) ?? []).length > 0) segments.push([]);
        continue;
      }
      segments.at(-1)?.push(`${sx(point.x).toFixed(1)},${sy(y).toFixed(1)}`);
    }
    for (const segment of segments) {
      if (segment.length === 1) {
        const [cx, cy] = (segment[0] ?? '0,0').split(',');
        parts.push(`<circle class="${escapeHtml(series.className)}" cx="${cx}" cy="${cy}" r="2.5"/>`);
      } else if (segment.length > 1) {
        parts.push(`<polyline class="line ${escapeHtml(series.className)}" points="${segment.join(' ')}"/>`);
      }
    }
    const legendX = PAD.left + 8 + index * 110;
    parts.push(`<line class="line ${escapeHtml(series.className)}" x1="${legendX}" x2="${legendX + 18}" y1="${height - 28}" y2="${height - 28}"/>`);
    parts.push(`<text class="legend" x="${legendX + 22}" y="${height - 24}">${escapeHtml(series.label)}</text>`);
  });
  const title = escapeHtml(options.title);
  return (
    `<svg class="${escapeHtml(options.className)}" data-name="${escapeHtml(options.name)}" xmlns="http://www.w3.org/2000/svg" role="img" ` +
    `viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" aria-label="${title}"><title>${title}</title>` +
    `<text class="chart-title" x="${PAD.left}" y="16">${title}</text>${parts.join('')}</svg>`
  );
}
