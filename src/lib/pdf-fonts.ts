import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Fontkit from 'fontkit';
import type PDFDocument from 'pdfkit';

// DejaVu covers Latin with every accent, Greek and Cyrillic: São Paulo, Kraków, Αθήνα, Київ.
const fontDir = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
const cache = new Map<string, unknown>();
let fontkit: typeof Fontkit | undefined;

/**
 * pdfkit and fontkit, loaded on first use: they hold some 30 MB that a service instance which
 * never draws a PDF need not carry. Call before `dejavuFont`, and before drawing, not between.
 */
export async function loadPdfKit(): Promise<typeof PDFDocument> {
  const [pdfkit, loadedFontkit] = await Promise.all([import('pdfkit'), import('fontkit')]);
  fontkit = loadedFontkit;
  return pdfkit.default;
}

/**
 * A DejaVu font for one new document. The file is parsed once per process (pdfkit takes a fontkit
 * font as it is, and parsing for every document would cost more than drawing it), but the glyph
 * cache is emptied: fontkit remembers, per glyph, the characters it was first asked for, and
 * glyphs shared by two scripts (Greek υ and Latin u) would otherwise give a later document's
 * text the wrong characters when copied or searched. Rendering a document is synchronous, so
 * one document never sees another's cache.
 */
export function dejavuFont(file: string): PDFKit.Mixins.PDFFontSource {
  let font = cache.get(file) as { _glyphs: Record<number, unknown> } | undefined;
  if (!font) {
    if (!fontkit) throw new Error('loadPdfKit() must run before dejavuFont()');
    font = fontkit.create(readFileSync(join(fontDir, file))) as unknown as { _glyphs: Record<number, unknown> };
    cache.set(file, font);
  }
  font._glyphs = {};
  return font as unknown as PDFKit.Mixins.PDFFontSource;
}
