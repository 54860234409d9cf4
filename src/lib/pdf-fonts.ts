import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as fontkit from 'fontkit';
import type { Font } from 'fontkit';
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

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- how @types/pdfkit declares it
  namespace PDFKit.Mixins {
    interface PDFFont {
      /** pdfkit takes a parsed font too (anything with `layout`); its typings leave that out. */
      registerFont(name: string, src: Font): this;
    }
  }
}

const sharedFonts = new Map<string, Font>();

/**
 * A DejaVu font parsed once per thread, for documents rendered often (certificates): parsing is
 * most of the time a certificate takes. Every glyph the character map reaches is looked up once
 * at the start, so each is known by its own character: a glyph first reached as part of another
 * (the dotless ı inside Medellín's í) would otherwise stand for no character in every later
 * document's text layer. What a document prints then never depends on what was printed before.
 */
export function sharedDejavuFont(file: string): Font {
  let font = sharedFonts.get(file);
  if (!font) {
    font = fontkit.create(dejavuFont(file)) as Font;
    for (const codePoint of font.characterSet) font.glyphForCodePoint(codePoint);
    sharedFonts.set(file, font);
  }
  return font;
}
