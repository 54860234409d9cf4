import { describe, expect, it } from 'vitest';
import { barChart, type ChartText, columnChart, escapeXml, MAX_LABEL, truncate } from '../src/web/charts.js';

// The server-drawn charts: bars in proportion to their figures, nothing broken by zeros or by no
// data at all, long labels cut with the whole name kept in the tooltip, every text escaped, and an
// accessible name and description on every chart.

const text = (overrides: Partial<ChartText> = {}): ChartText => ({
  id: 'chart-areas',
  title: 'Endorsements per action area',
  description: 'A bar for each action area.',
  empty: 'No endorsements yet.',
  formatNumber: (v) => new Intl.NumberFormat('en-GB').format(v),
  ...overrides,
});

/** Each rect's attribute, as numbers, in the order drawn. */
const rects = (svg: string, attribute: 'width' | 'height') =>
  [...svg.matchAll(new RegExp(`<rect class="chart-bar"[^>]* ${attribute}="([^"]+)"`, 'g'))].map((m) => Number(m[1]));

/** The text of every <text> element. */
const texts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);

/** The tooltips of the bars (every <title> but the chart's own). */
const tooltips = (svg: string) => [...svg.matchAll(/<g><title>([^<]*)<\/title>/g)].map((m) => m[1]!);

describe('barChart', () => {
  it('draws each bar in proportion to its figure, the largest across the room left for its number', () => {
    const svg = barChart(
      [
        { label: 'Migration governance', value: 40 },
        { label: 'Climate resilience', value: 10 },
        { label: 'Vulnerable groups', value: 30 },
      ],
      text(),
    );
    const [a, b, c] = rects(svg, 'width');
    expect(a).toBeGreaterThan(300);
    expect(b! / a!).toBeCloseTo(0.25, 2);
    expect(c! / a!).toBeCloseTo(0.75, 2);
    expect(texts(svg)).toEqual(['Migration governance', '40', 'Climate resilience', '10', 'Vulnerable groups', '30']);
  });

  it('is an image named by its title and described, and scales with its container', () => {
    const svg = barChart([{ label: 'Africa', value: 3 }], text());
    expect(svg).toMatch(/^<svg [^>]*role="img"/);
    expect(svg).toContain('aria-labelledby="chart-areas-title" aria-describedby="chart-areas-desc"');
    expect(svg).toContain('<title id="chart-areas-title">Endorsements per action area</title>');
    expect(svg).toContain('<desc id="chart-areas-desc">A bar for each action area.</desc>');
    expect(svg).toMatch(/viewBox="0 0 400 \d+"/);
    expect(svg).not.toMatch(/<svg [^>]*\swidth=/);
  });

  it('writes numbers as the page language does', () => {
    const svg = barChart(
      [{ label: 'Europe', value: 12345 }],
      text({ formatNumber: (v) => new Intl.NumberFormat('fr').format(v) }),
    );
    expect(texts(svg)).toContain('12\u202f345');
    expect(tooltips(svg)).toEqual(['Europe: 12\u202f345']);
  });

  it('handles bars of zero, and no bars at all', () => {
    const zeros = barChart(
      [
        { label: 'A', value: 0 },
        { label: 'B', value: 0 },
      ],
      text(),
    );
    expect(rects(zeros, 'width')).toEqual([0, 0]);
    expect(zeros).not.toMatch(/NaN|Infinity/);

    const none = barChart([], text());
    expect(rects(none, 'width')).toEqual([]);
    expect(texts(none)).toEqual(['No endorsements yet.']);
    expect(none).toContain('role="img"');
    expect(none).not.toMatch(/NaN|Infinity/);
  });

  it('cuts a long label to fit, keeping the whole of it in the tooltip', () => {
    const long = 'Access to essential services, including health, education and housing for all';
    const svg = barChart([{ label: long, value: 2 }], text());
    const shown = texts(svg)[0]!;
    expect(Array.from(shown)).toHaveLength(MAX_LABEL); // no combining marks in it
    expect(shown.endsWith('…')).toBe(true);
    expect(long.startsWith(shown.slice(0, -1))).toBe(true);
    expect(tooltips(svg)).toEqual([`${long}: 2`]);
  });

  it('escapes every text it is given', () => {
    const svg = barChart(
      [{ label: '<script>alert("x")</script> & \'co\'', value: 1 }],
      text({ id: 'a"b', title: 'Cities <b>', description: 'R&D', empty: '<i>' }),
    );
    expect(svg).not.toContain('<script>');
    expect(svg).not.toContain('<b>');
    expect(svg).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;');
    expect(svg).toContain('<title id="a&quot;b-title">Cities &lt;b&gt;</title>');
    expect(svg).toContain('<desc id="a&quot;b-desc">R&amp;D</desc>');
    expect(barChart([], text({ empty: '<i>' }))).toContain('&lt;i&gt;');
  });
});

describe('columnChart', () => {
  const weeks = (counts: number[]) =>
    counts.map((value, i) => {
      const day = new Date(Date.UTC(2026, 0, 5 + 7 * i));
      return { label: `w${i + 1}`, name: `Week of ${day.toISOString().slice(0, 10)}`, value };
    });

  it('draws columns in proportion to their figures, each named in full in its tooltip', () => {
    const svg = columnChart(weeks([4, 0, 2, 1]), text({ id: 'chart-weeks' }));
    const [a, b, c, d] = rects(svg, 'height');
    expect(a).toBeGreaterThan(100);
    expect(b).toBe(0);
    expect(c! / a!).toBeCloseTo(0.5, 2);
    expect(d! / a!).toBeCloseTo(0.25, 2);
    expect(tooltips(svg)).toEqual([
      'Week of 2026-01-05: 4',
      'Week of 2026-01-12: 0',
      'Week of 2026-01-19: 2',
      'Week of 2026-01-26: 1',
    ]);
    // The scale: 0, half way and the largest.
    expect(texts(svg).slice(0, 3)).toEqual(['0', '2', '4']);
  });

  it('labels only as many columns as fit under a long series', () => {
    const svg = columnChart(weeks(Array.from({ length: 52 }, (_, i) => i % 5)), text());
    const labels = texts(svg).filter((t) => t.startsWith('w'));
    expect(labels.length).toBeGreaterThan(2);
    expect(labels.length).toBeLessThan(10);
    expect(labels[0]).toBe('w1');
    expect(tooltips(svg)).toHaveLength(52);
  });

  it('handles a series of zeros, and no series at all', () => {
    const zeros = columnChart(weeks([0, 0, 0]), text());
    expect(rects(zeros, 'height')).toEqual([0, 0, 0]);
    expect(zeros).not.toMatch(/NaN|Infinity/);
    expect(texts(columnChart([], text()))).toEqual(['No endorsements yet.']);
  });
});

describe('text helpers', () => {
  it('truncate keeps whole characters (a flag, an accent) and short labels as they are', () => {
    expect(truncate('Quito', 10)).toBe('Quito');
    expect(truncate('🇪🇨🇪🇨🇪🇨 abc', 3)).toBe('🇪🇨🇪🇨…');
    expect(truncate('Bogota\u0301 Distrito Capital', 7)).toBe('Bogota\u0301…');
    expect(escapeXml(`a&b<c>"d"'e'`)).toBe('a&amp;b&lt;c&gt;&quot;d&quot;&#39;e&#39;');
  });
});
