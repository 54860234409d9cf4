import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as fontkit from 'fontkit';

// DejaVu covers Latin with every accent, Greek and Cyrillic: São Paulo, Kraków, Αθήνα, Київ.
const fontDir = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
const cache = new Map<string, unknown>();

/**
 * A DejaVu font, parsed once per process: pdfkit takes a fontkit font as it is, and parsing the
 * TrueType file for every document would cost more than drawing it.
 */
export function dejavuFont(file: string): PDFKit.Mixins.PDFFontSource {
  let font = cache.get(file);
  if (!font) {
    font = fontkit.create(readFileSync(join(fontDir, file)));
    cache.set(file, font);
  }
  return font as PDFKit.Mixins.PDFFontSource;
}
