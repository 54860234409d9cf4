import type PDFDocument from 'pdfkit';

type Doc = InstanceType<typeof PDFDocument>;

export interface TableColumn {
  heading: string;
  /** Its share of the table's width, in points; the last column takes what is left. */
  width?: number;
}

export interface TableStyle {
  font: { regular: string; bold: string };
  size: number;
  ink: string;
  rule: string;
}

/** Space between a cell's text and the next column, and between a row's text and its rule. */
const GUTTER = 6;
const ROW_PADDING = 3;

/**
 * A table whose rows grow to their tallest cell: each cell is measured at its column's width
 * (pdfkit's heightOfString) and wraps inside it, so a long name or date never runs into the next
 * row. A row that does not fit on the page starts the next one, under the headings again.
 */
export function drawTable(
  doc: Doc,
  at: { left: number; top: number; width: number },
  columns: TableColumn[],
  rows: string[][],
  style: TableStyle,
): void {
  const fixed = columns.reduce((sum, c) => sum + (c.width ?? 0), 0);
  const widths = columns.map((c) => c.width ?? at.width - fixed);
  const bottom = doc.page.height - doc.page.margins.bottom;

  const heightOf = (cells: string[], font: string) => {
    doc.font(font).fontSize(style.size);
    return Math.max(...cells.map((cell, i) => doc.heightOfString(cell, { width: widths[i]! - GUTTER })));
  };
  const drawRow = (cells: string[], font: string, y: number, height: number) => {
    doc.font(font).fontSize(style.size).fillColor(style.ink);
    let x = at.left;
    cells.forEach((cell, i) => {
      doc.text(cell, x, y, { width: widths[i]! - GUTTER });
      x += widths[i]!;
    });
    const ruleY = y + height + ROW_PADDING / 2;
    doc
      .lineWidth(0.5)
      .strokeColor(style.rule)
      .moveTo(at.left, ruleY)
      .lineTo(at.left + at.width, ruleY)
      .stroke();
    return y + height + ROW_PADDING;
  };

  const headings = columns.map((c) => c.heading);
  const headingHeight = heightOf(headings, style.font.bold);
  let y = drawRow(headings, style.font.bold, at.top, headingHeight);
  for (const cells of rows) {
    const height = heightOf(cells, style.font.regular);
    if (y + height > bottom) {
      doc.addPage();
      y = drawRow(headings, style.font.bold, doc.page.margins.top, headingHeight);
    }
    y = drawRow(cells, style.font.regular, y, height);
  }
  doc.x = at.left;
  doc.y = y;
}
