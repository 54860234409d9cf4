import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { countryName, type Language } from '../../lib/countries.js';
import { templatesDir } from '../../lib/paths.js';
import { dejavuFont, loadPdfKit } from '../../lib/pdf-fonts.js';
import type { Summary } from './reports.summary.js';
import { drawTable } from './summary-table.pdf.js';

type Strings = Record<string, string>;
const template = JSON.parse(readFileSync(join(templatesDir, 'summary.json'), 'utf8')) as {
  colors: Record<'ink' | 'accent' | 'muted' | 'bar' | 'grid', string>;
  strings: Record<Language, Strings>;
};

export interface SummaryInput {
  pledgeTitle: string;
  summary: Summary;
  areaTitles: Record<string, string>;
  signatories: Array<{
    city: string;
    country: string;
    region: string;
    scope: string;
    /** How many areas it endorses, of how many its version has. */
    areas: { endorsed: number; of: number };
    verifiedAt: string;
  }>;
  moreSignatories: number;
  generatedAt: Date;
}

const fill = (s: string, v: Record<string, string | number>) =>
  s.replace(/\{(\w+)\}/g, (_, k: string) => String(v[k] ?? ''));

/** The briefing: headline figures, bar charts by area and region, the weekly timeline, the signatories. */
export async function renderSummaryPdf(input: SummaryInput, language: Language): Promise<Buffer> {
  const PDFDocument = await loadPdfKit();
  const t = template.strings[language];
  const c = template.colors;
  const doc = new PDFDocument({
    size: 'A4',
    margin: 48,
    info: {
      Title: `${t.title}: ${input.pledgeTitle}`,
      Producer: 'Action Pledge platform',
      Creator: 'Action Pledge platform',
      // Dated from its input, not the clock: the same input gives the same bytes, wherever drawn.
      CreationDate: input.generatedAt,
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('regular', dejavuFont('DejaVuSans.ttf'));
  doc.registerFont('bold', dejavuFont('DejaVuSans-Bold.ttf'));
  const W = doc.page.width;
  const left = 48;
  const width = W - 96;
  const regionName = (region: string) => t[`region.${region}`] ?? region;
  const date = (d: Date) => new Intl.DateTimeFormat(language, { dateStyle: 'long', timeZone: 'UTC' }).format(d);

  doc.font('bold').fontSize(20).fillColor(c.accent).text(t.title!, left, 48, { width });
  doc.font('regular').fontSize(12).fillColor(c.ink).text(input.pledgeTitle, { width });
  doc
    .fontSize(9)
    .fillColor(c.muted)
    .text(fill(t.generated!, { date: date(input.generatedAt) }), { width });
  doc.moveDown(1);

  // Headline figures in four boxes.
  const figures: Array<[string, number]> = [
    [t.endorsements!, input.summary.totals.endorsements],
    [t.verified!, input.summary.totals.verified],
    [t.cities!, input.summary.totals.cities],
    [t.countries!, input.summary.totals.countries],
  ];
  const boxW = (width - 30) / 4;
  const boxY = doc.y;
  figures.forEach(([label, value], i) => {
    const x = left + i * (boxW + 10);
    doc.lineWidth(1).strokeColor(c.grid).roundedRect(x, boxY, boxW, 64, 6).stroke();
    doc
      .font('bold')
      .fontSize(22)
      .fillColor(c.accent)
      .text(String(value), x, boxY + 10, { width: boxW, align: 'center' });
    doc
      .font('regular')
      .fontSize(9)
      .fillColor(c.muted)
      .text(label, x, boxY + 42, { width: boxW, align: 'center' });
  });
  doc.y = boxY + 84;

  const barChart = (title: string, items: Array<{ label: string; count: number }>) => {
    doc.font('bold').fontSize(13).fillColor(c.ink).text(title, left, doc.y, { width });
    doc.moveDown(0.4);
    if (items.length === 0) {
      doc.font('regular').fontSize(10).fillColor(c.muted).text(t.none!, left, doc.y);
      doc.moveDown(1);
      return;
    }
    const max = Math.max(...items.map((i) => i.count), 1);
    const labelW = 190;
    const barMax = width - labelW - 40;
    for (const item of items) {
      if (doc.y > doc.page.height - 80) doc.addPage();
      const y = doc.y;
      doc
        .font('regular')
        .fontSize(9)
        .fillColor(c.ink)
        .text(item.label, left, y + 2, { width: labelW - 8, ellipsis: true, lineBreak: false });
      const w = Math.max(2, (item.count / max) * barMax);
      doc.rect(left + labelW, y, w, 14).fill(c.bar);
      doc.fillColor(c.ink).text(String(item.count), left + labelW + w + 6, y + 2, { lineBreak: false });
      doc.y = y + 20;
    }
    doc.moveDown(1);
  };

  barChart(
    t.byArea!,
    input.summary.byArea.map((a) => ({ label: input.areaTitles[a.key] ?? a.key, count: a.count })),
  );
  barChart(
    t.byRegion!,
    input.summary.byRegion.map((r) => ({ label: regionName(r.key), count: r.count })),
  );

  // The weekly timeline as columns.
  if (doc.y > doc.page.height - 220) doc.addPage();
  doc.font('bold').fontSize(13).fillColor(c.ink).text(t.timeline!, left, doc.y, { width });
  doc.moveDown(0.4);
  // Every week since the first endorsement: a pledge's story is its launch and what followed, which
  // the last year alone would hide (at some 1.4 points a week, seven years still fit the width).
  const weeks = input.summary.timeline;
  const chartH = 120;
  const top = doc.y;
  const maxWeek = Math.max(...weeks.map((w) => w.count), 1);
  // A few weeks get narrow columns from the left, not one bar across the page.
  const colW = Math.min(weeks.length > 0 ? width / weeks.length : width, 36);
  doc
    .lineWidth(0.5)
    .strokeColor(c.grid)
    .moveTo(left, top + chartH)
    .lineTo(left + width, top + chartH)
    .stroke();
  weeks.forEach((w, i) => {
    const h = (w.count / maxWeek) * (chartH - 16);
    doc.rect(left + i * colW + colW * 0.15, top + chartH - h, colW * 0.7, h).fill(c.bar);
    if (weeks.length <= 26 && w.count > 0) {
      doc
        .font('regular')
        .fontSize(7)
        .fillColor(c.ink)
        .text(String(w.count), left + i * colW, top + chartH - h - 10, {
          width: colW,
          align: 'center',
          lineBreak: false,
        });
    }
  });
  if (weeks.length > 0) {
    doc.font('regular').fontSize(8).fillColor(c.muted);
    doc.text(weeks[0]!.date, left, top + chartH + 4, { lineBreak: false });
    if (weeks.length > 1) {
      const end = left + weeks.length * colW;
      doc.text(weeks[weeks.length - 1]!.date, Math.max(left + 70, end - 60), top + chartH + 4, {
        width: 60,
        align: 'right',
        lineBreak: false,
      });
    }
  }
  doc.y = top + chartH + 24;

  // The signatory cities.
  doc.addPage();
  doc.font('bold').fontSize(13).fillColor(c.ink).text(t.signatories!, left, 48, { width });
  doc.moveDown(0.5);
  drawTable(
    doc,
    { left, top: doc.y, width },
    [
      { heading: t.city!, width: 120 },
      { heading: t.country!, width: 108 },
      { heading: t.region!, width: 64 },
      { heading: t.areas!, width: 82 },
      { heading: t.date! },
    ],
    input.signatories.map((s) => [
      s.city,
      countryName(s.country, language),
      regionName(s.region),
      s.scope === 'whole' ? t.whole! : fill(t.areasOf!, { n: s.areas.endorsed, total: s.areas.of }),
      date(new Date(s.verifiedAt)),
    ]),
    { font: { regular: 'regular', bold: 'bold' }, size: 9, ink: c.ink, rule: c.grid },
  );
  if (input.moreSignatories > 0) {
    if (doc.y > doc.page.height - 72) doc.addPage();
    doc
      .font('regular')
      .fontSize(9)
      .fillColor(c.muted)
      .text(fill(t.more!, { n: input.moreSignatories }), left, doc.y + 4);
  }
  doc.end();
  return done;
}
