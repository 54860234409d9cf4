import { execFileSync, spawnSync } from 'node:child_process';

/** A word of a PDF page as poppler lays it out: its text and its box, in points from the top left. */
export interface PdfWord {
  page: number;
  text: string;
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
}

/** Why word boxes cannot be read here (poppler-utils missing), said once by the caller; else undefined. */
export function pdftotextMissing(): string | undefined {
  const probe = spawnSync('pdftotext', ['-v'], { encoding: 'utf8' });
  return probe.error ? 'pdftotext (poppler-utils) is not installed; .ci/run installs it' : undefined;
}

const unescape = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&amp;/g, '&');

/** Every word of the PDF with its box: `pdftotext -bbox-layout`, read from its XHTML. */
export function pdfWords(pdf: Buffer): PdfWord[] {
  const html = execFileSync('pdftotext', ['-bbox-layout', '-enc', 'UTF-8', '-', '-'], {
    input: pdf,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const words: PdfWord[] = [];
  html
    .split(/<page\b/)
    .slice(1)
    .forEach((page, i) => {
      for (const m of page.matchAll(
        /<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g,
      )) {
        words.push({
          page: i + 1,
          text: unescape(m[5]!),
          xMin: Number(m[1]),
          yMin: Number(m[2]),
          xMax: Number(m[3]),
          yMax: Number(m[4]),
        });
      }
    });
  return words;
}

/** The pairs of words on one page whose boxes overlap by more than `tolerance` points each way. */
export function overlappingWords(words: PdfWord[], tolerance = 0.5): Array<[PdfWord, PdfWord]> {
  const pairs: Array<[PdfWord, PdfWord]> = [];
  for (let i = 0; i < words.length; i++) {
    for (let j = i + 1; j < words.length; j++) {
      const a = words[i]!;
      const b = words[j]!;
      if (a.page !== b.page) continue;
      const across = Math.min(a.xMax, b.xMax) - Math.max(a.xMin, b.xMin);
      const down = Math.min(a.yMax, b.yMax) - Math.max(a.yMin, b.yMin);
      if (across > tolerance && down > tolerance) pairs.push([a, b]);
    }
  }
  return pairs;
}
