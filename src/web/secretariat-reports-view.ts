import type { LocalisedText, MessageKey, Translator } from '../lib/i18n.js';
import type { listSnapshots, titledSummary } from '../modules/reports/index.js';
import { barChart, type ChartItem, columnChart } from './charts.js';

// What the reports page shows of a pledge's summary and snapshots, in the reader's language: the
// totals, a chart per breakdown with its figures as a table, and the frozen reports. The services
// computed every figure; this only names and lays them out.

type TitledSummary = Awaited<ReturnType<typeof titledSummary>>;
type Snapshot = Awaited<ReturnType<typeof listSnapshots>>[number];
type Network = { id: string; code: string; name: string };

/** A row of a chart's table: what it counts (in `lang` when that differs from the page) and how many. */
interface FigureRow {
  label: string;
  lang?: string;
  value: string;
}

export interface ChartView {
  id: string;
  heading: string;
  /** The table's first column heading (the second is always "Endorsements"). */
  column: string;
  svg: string;
  rows: FigureRow[];
}

const totalKeys = {
  endorsements: 'reports.page.total.endorsements',
  verified: 'reports.page.total.verified',
  cities: 'reports.page.total.cities',
  countries: 'reports.page.total.countries',
} as const satisfies Record<keyof TitledSummary['figures']['totals'], MessageKey>;

/** The four totals, each with its label. */
export function totalsView(summary: TitledSummary, t: Translator) {
  return (Object.keys(totalKeys) as Array<keyof typeof totalKeys>).map((key) => ({
    label: t.t(totalKeys[key]),
    value: t.number(summary.figures.totals[key]),
  }));
}

interface Breakdown {
  id: string;
  heading: MessageKey;
  description: MessageKey;
  column: MessageKey;
  items: Array<ChartItem & { lang?: string }>;
  draw: typeof barChart;
}

function chartView(b: Breakdown, t: Translator): ChartView {
  const heading = t.t(b.heading);
  const svg = b.draw(b.items, {
    id: b.id,
    title: heading,
    description: t.t(b.description),
    empty: t.t('reports.page.chart.empty'),
    formatNumber: t.number,
  });
  const rows = b.items.map((i) => ({ label: i.name ?? i.label, lang: i.lang, value: t.number(i.value) }));
  return { id: b.id, heading, column: t.t(b.column), svg, rows };
}

/** The charts of a summary: per action area, region and network (bars), and per week (columns). */
export function chartsView(summary: TitledSummary, networks: Network[], t: Translator): ChartView[] {
  const { figures, areaTitles } = summary;
  const areaTitle = (key: string): { text: string; lang?: string } => {
    const title: LocalisedText | undefined = areaTitles.get(key);
    return title ? t.pick(title) : { text: key };
  };
  const networkName = new Map(networks.map((n) => [n.code, n.name]));
  const spansYears = new Set(figures.timeline.map((w) => w.date.slice(0, 4))).size > 1;
  const breakdowns: Breakdown[] = [
    {
      id: 'chart-areas',
      heading: 'reports.page.chart.areas',
      description: 'reports.page.chart.areasDesc',
      column: 'reports.page.column.area',
      items: figures.byArea.map((a) => {
        const title = areaTitle(a.key);
        return { label: title.text, lang: title.lang === t.lang ? undefined : title.lang, value: a.count };
      }),
      draw: barChart,
    },
    {
      id: 'chart-regions',
      heading: 'reports.page.chart.regions',
      description: 'reports.page.chart.regionsDesc',
      column: 'reports.page.column.region',
      items: figures.byRegion.map((r) => ({ label: t.t(`region.${r.key}` as MessageKey), value: r.count })),
      draw: barChart,
    },
    {
      id: 'chart-networks',
      heading: 'reports.page.chart.networks',
      description: 'reports.page.chart.networksDesc',
      column: 'reports.page.column.network',
      items: figures.byNetwork.map((n) => ({ label: networkName.get(n.key) ?? n.key, value: n.count })),
      draw: barChart,
    },
    {
      id: 'chart-weeks',
      heading: 'reports.page.chart.weeks',
      description: 'reports.page.chart.weeksDesc',
      column: 'reports.page.column.week',
      items: figures.timeline.map((w) => ({
        // Over more than one year, "20 Jan" alone would not say which.
        label: t.shortDate(w.date, spansYears),
        name: t.t('reports.page.week', { date: t.date(w.date) }),
        value: w.count,
      })),
      draw: columnChart,
    },
  ];
  return breakdowns.map((b) => chartView(b, t));
}

/** A snapshot's filters other than its scope, as "name=value" pairs (they come from the API's query). */
function filtersText(filters: Record<string, unknown>): string {
  return Object.entries(filters)
    .filter(([name, value]) => name !== 'onlyNetworkId' && value !== undefined && value !== null)
    .map(([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(', ');
}

/** The snapshots as rows: when, how many rows, which cities, their SHA-256 and where to download them. */
export function snapshotsView(snapshots: Snapshot[], slug: string, networks: Network[], t: Translator, fresh?: string) {
  const networkById = new Map(networks.map((n) => [n.id, n]));
  return snapshots.map((s) => {
    const network = typeof s.filters.onlyNetworkId === 'string' ? networkById.get(s.filters.onlyNetworkId) : undefined;
    return {
      id: s.id,
      createdAt: t.dateTime(s.createdAt),
      rows: t.number(s.rowCount),
      sha256: s.sha256,
      cities: network
        ? t.t('reports.page.snapshot.network', { network: network.name })
        : t.t('reports.page.snapshot.all'),
      filters: filtersText(s.filters),
      href: `/secretariat/reports/${slug}/snapshots/${s.id}.csv`,
      fresh: s.id === fresh,
    };
  });
}
