// Charts drawn by the server as SVG, so a page needs no script to show them. Each is an image with
// a title and a description (its accessible name and what it shows), scales with its container
// (a viewBox, no fixed width), writes its numbers as the page's language does, and names every bar
// in full in a tooltip (<title>) where its label had to be cut. The figures are also in a table on
// the page: a chart is never the only way to read them.

/** One bar: what it counts, and how many. */
export interface ChartItem {
  /** Shown beside the bar; cut to fit, with the whole of it in the bar's tooltip. */
  label: string;
  value: number;
  /** The bar's full name for its tooltip, when it says more than the label (a week's whole date). */
  name?: string;
}

export interface ChartText {
  /** Unique within the page: the ids of the chart's title and description are made from it. */
  id: string;
  title: string;
  description: string;
  /** Said in place of the bars when there are none. */
  empty: string;
  /** A number as the page's language writes it (Intl). */
  formatNumber: (n: number) => string;
}

// Contrast on white: the bars 8.6:1, the text 16:1, the grid lines are decoration.
const BAR = '#1d4f91';
const INK = '#1b1f23';
const GRID = '#b1b4b6';

/** Width of every chart's drawing, in its own units; the page scales it to the column it sits in. */
const WIDTH = 400;
/** A label longer than this (in characters) is cut, with an ellipsis, to fit the chart's width. */
export const MAX_LABEL = 42;

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for SVG (and HTML) content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => entities[c]!);
}

const graphemes = new Intl.Segmenter();

/** A label cut to `max` characters as a reader counts them (never half an accent or a flag), ending with "…". */
export function truncate(label: string, max = MAX_LABEL): string {
  const chars = Array.from(graphemes.segment(label), (s) => s.segment);
  return chars.length <= max ? label : `${chars.slice(0, max - 1).join('')}…`;
}

/** A coordinate with one decimal at most: short, and the same on every machine. */
const n = (value: number) => String(Math.round(value * 10) / 10);

function svg(text: ChartText, height: number, body: string): string {
  return (
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${n(height)}" role="img"` +
    ` aria-labelledby="${escapeXml(text.id)}-title" aria-describedby="${escapeXml(text.id)}-desc">` +
    `<title id="${escapeXml(text.id)}-title">${escapeXml(text.title)}</title>` +
    `<desc id="${escapeXml(text.id)}-desc">${escapeXml(text.description)}</desc>${body}</svg>`
  );
}

function emptyChart(text: ChartText): string {
  return svg(text, 32, `<text x="0" y="20" font-size="15" fill="${INK}">${escapeXml(text.empty)}</text>`);
}

/** The tooltip of a bar: its whole name and its number. */
const tooltip = (item: ChartItem, text: ChartText) =>
  `<title>${escapeXml(item.name ?? item.label)}: ${escapeXml(text.formatNumber(item.value))}</title>`;

/** A value's share of the largest, 0 when every value is 0 (nothing to scale by). */
const share = (value: number, max: number) => (max > 0 ? Math.max(0, value) / max : 0);

// Horizontal bars, each label above its bar: the labels get the chart's whole width, so names
// stay readable on a phone, and the number follows the bar's end.
const ROW = 48;
const BAR_HEIGHT = 18;
const VALUE_ROOM = 60;

/** A bar chart of categories (areas, regions, networks), largest scale first as given. */
export function barChart(items: ChartItem[], text: ChartText): string {
  if (items.length === 0) return emptyChart(text);
  const max = Math.max(...items.map((i) => i.value));
  const room = WIDTH - VALUE_ROOM;
  const rows = items.map((item, index) => {
    const top = index * ROW;
    const width = share(item.value, max) * room;
    return (
      `<g>${tooltip(item, text)}` +
      `<text x="0" y="${n(top + 16)}" font-size="15" fill="${INK}">${escapeXml(truncate(item.label))}</text>` +
      `<rect class="chart-bar" x="0" y="${n(top + 23)}" width="${n(width)}" height="${BAR_HEIGHT}" fill="${BAR}"/>` +
      `<text x="${n(width + 6)}" y="${n(top + 37)}" font-size="14" fill="${INK}">` +
      `${escapeXml(text.formatNumber(item.value))}</text></g>`
    );
  });
  return svg(text, items.length * ROW + 4, rows.join(''));
}

// Columns over time (weeks): a y axis with its scale on the left, a label under every few columns
// (as many as fit), the exact figure of each in its tooltip.
const HEIGHT = 220;
const LEFT = 44;
const RIGHT = 24;
const TOP = 10;
const BOTTOM = 34;
const LABEL_GAP = 76;
const MAX_COLUMN = 40;

/** A column chart of a series in order (the weeks of a timeline). */
export function columnChart(items: ChartItem[], text: ChartText): string {
  if (items.length === 0) return emptyChart(text);
  const max = Math.max(...items.map((i) => i.value));
  const plotWidth = WIDTH - LEFT - RIGHT;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const base = TOP + plotHeight;
  const step = plotWidth / items.length;
  const columnWidth = Math.min(MAX_COLUMN, Math.max(1, step * 0.7));
  const every = Math.max(1, Math.ceil(LABEL_GAP / step));

  const ticks = [...new Set([0, Math.round(max / 2), max])].filter((v) => v <= max);
  const axis = ticks.map((tick) => {
    const y = base - share(tick, max) * plotHeight;
    return (
      `<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${n(y)}" y2="${n(y)}" stroke="${GRID}" stroke-width="1"/>` +
      `<text x="${LEFT - 6}" y="${n(y + 4)}" font-size="13" text-anchor="end" fill="${INK}">` +
      `${escapeXml(text.formatNumber(tick))}</text>`
    );
  });
  const columns = items.map((item, index) => {
    const centre = LEFT + step * index + step / 2;
    const height = share(item.value, max) * plotHeight;
    const label =
      index % every === 0
        ? `<text x="${n(centre)}" y="${base + 20}" font-size="13" text-anchor="middle" fill="${INK}">` +
          `${escapeXml(truncate(item.label, 12))}</text>`
        : '';
    return (
      `<g>${tooltip(item, text)}<rect class="chart-bar" x="${n(centre - columnWidth / 2)}" y="${n(base - height)}"` +
      ` width="${n(columnWidth)}" height="${n(height)}" fill="${BAR}"/>${label}</g>`
    );
  });
  return svg(text, HEIGHT, axis.join('') + columns.join(''));
}
