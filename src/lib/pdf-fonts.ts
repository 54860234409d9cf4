import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type PDFDocument from 'pdfkit';

// DejaVu covers Latin with every accent, Greek and Cyrillic: São Paulo, Kraków, Αθήνα, Київ.
const fontDir = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
const files = new Map<string, Buffer>();

/**
 * pdfkit (and the fontkit it parses fonts with), loaded on first use: they hold some 30 MB that a
 * service instance which never draws a PDF need not carry.
 */
export async function loadPdfKit(): Promise<typeof PDFDocument> {
  return (await import('pdfkit')).default;
}

/**
 * A DejaVu font file's bytes, read once per process, for `doc.registerFont(name, bytes)`. pdfkit
 * parses them into a font object of the document's own the first time the document uses the font.
 * One font object per document, not one per process, because fontkit keeps the glyphs it has
 * made, each with the characters it was first reached from (a composite glyph's parts have none):
 * a shared object would let earlier PDFs decide how a later one's text is copied or searched, and
 * its bytes, which a certificate check re-renders and compares. That independence has a price:
 * parsing (the kerning tables above all) makes a certificate some four times slower to render.
 */
export function dejavuFont(file: string): Buffer {
  let bytes = files.get(file);
  if (!bytes) {
    bytes = readFileSync(join(fontDir, file));
    files.set(file, bytes);
  }
  return bytes;
}
