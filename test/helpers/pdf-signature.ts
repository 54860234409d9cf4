import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Db } from '../../src/db/client.js';
import type { PdfSigning } from '../../src/modules/certificates/certificate.pdf.js';
import { activePdfSigner } from '../../src/modules/certificates/signing-certificates.js';

/**
 * A signed PDF as a document, its signature and signing time left out: what two renderings of the
 * same certificate share (an ECDSA signature is new every time, and so is the time it was made).
 */
export function documentOf(pdf: Buffer): Buffer {
  const [, start, end] = /\/ByteRange \[0 (\d+) (\d+) \d+\]/.exec(pdf.toString('latin1'))!.map(Number);
  const document = Buffer.concat([pdf.subarray(0, start), pdf.subarray(end)]).toString('latin1');
  return Buffer.from(document.replace(/\/M \(D:\d{14}Z\)/, '/M (D:00000000000000Z)'), 'latin1');
}

/** How the app of this database signs certificate PDFs (its generated certificate), signing now. */
export async function signingOf(db: Db): Promise<PdfSigning> {
  return { signer: await activePdfSigner(db, undefined), signedAt: new Date() };
}

/** poppler-utils' pdfsig, when installed (.ci/run installs it). */
export const pdfsigPath = ['/usr/bin/pdfsig', '/usr/local/bin/pdfsig'].find((p) => existsSync(p));

/** What pdfsig says of a PDF file (it exits non-zero for a signature it finds invalid). */
export async function pdfsig(file: string, ...options: string[]): Promise<string> {
  const result = await promisify(execFile)(pdfsigPath!, [...options, file]).catch(
    (err: { stdout?: string; stderr?: string }) => ({ stdout: err.stdout ?? '', stderr: err.stderr ?? '' }),
  );
  return `${result.stdout}${result.stderr}`;
}
