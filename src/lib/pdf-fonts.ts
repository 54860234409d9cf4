import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as fontkit from 'fontkit';

// DejaVu covers Latin with every accent, Greek and Cyrillic: São Paulo, Kraków, Αθήνα, Київ.
const fontDir = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
const cache = new Map<string, unknown>();

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
    font = fontkit.create(readFileSync(join(fontDir, file))) as unknown as { _glyphs: Record<number, unknown> };
    cache.set(file, font);
  }
  font._glyphs = {};
  return font as unknown as PDFKit.Mixins.PDFFontSource;
}
