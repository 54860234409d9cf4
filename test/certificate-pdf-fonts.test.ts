import { X509Certificate } from 'node:crypto';
import { PDFParse } from 'pdf-parse';
import { describe, expect, it } from 'vitest';
import type { Language } from '../src/lib/countries.js';
import { renderCertificatePdf } from '../src/modules/certificates/certificate.pdf.js';
import type { CertificatePayload } from '../src/modules/certificates/certificates.service.js';
import { generateDocumentSigner } from '../src/modules/certificates/signing-certificates.js';
import { documentOf } from './helpers/pdf-signature.js';

const generated = generateDocumentSigner();
const signing = {
  signer: { privateKeyPem: generated.privateKeyPem, chain: [new X509Certificate(generated.certificatePem).raw] },
  signedAt: new Date('2026-11-29T10:00:00Z'),
};
const render = (c: ReturnType<typeof certificate>) => renderCertificatePdf(c, c.payload.language, signing);

async function pdfText(pdf: Buffer): Promise<string> {
  const parser = new PDFParse({ data: new Uint8Array(pdf) });
  try {
    return (await parser.getText()).text;
  } finally {
    await parser.destroy();
  }
}

function certificate(city: string, country: string, signatory: string, language: Language) {
  const payload: CertificatePayload = {
    serial: 'AP-7K3M-Q9XR',
    verifyUrl: 'https://pledge.example.org/api/v1/certificates/AP-7K3M-Q9XR',
    pledge: {
      slug: 'fonts',
      title: { en: 'Fonts Pledge', es: 'Compromiso tipográfico', fr: 'Engagement typographique' },
    },
    version: { number: 1, contentHash: 'a'.repeat(64) },
    city: { name: city, country, countryName: { en: country, es: country, fr: country } },
    scope: 'areas',
    areas: [{ key: 'governance', title: { en: 'Migration governance', es: 'Gobernanza', fr: 'Gouvernance' } }],
    signatory: { name: signatory, title: 'Mayor' },
    language,
    endorsementId: '00000000-0000-4000-8000-000000000000',
    revision: 1,
    issuedAt: '2026-11-27T10:00:00.000Z',
  };
  return { payload, signature: 'x'.repeat(86), keyId: 'test-key' };
}

describe('certificate fonts', () => {
  it('give the same document and text whatever was rendered before, in whichever script', async () => {
    // Medellín's í is drawn from two glyphs, ´ and the dotless ı: unless the shared font object knew
    // ı by its own character first, it would remember ı as standing for no character, and Diyarbakır
    // would lose it when its text is copied or searched (and come out otherwise than when first).
    await render(certificate('Medellín', 'CO', 'Federico Gutiérrez', 'es'));
    const turkish = certificate('Diyarbakır', 'TR', 'Serra Bucak', 'en');
    const first = await render(turkish);
    expect(await pdfText(first)).toContain('Diyarbakır');
    for (const other of [
      certificate('Αθήνα', 'GR', 'Χάρης Δούκας', 'en'),
      certificate('Київ', 'UA', 'Віталій Кличко', 'fr'),
      certificate('Kraków', 'PL', 'Aleksander Miszalski', 'es'),
    ]) {
      await render(other);
    }
    const again = await render(turkish);
    expect(documentOf(again).equals(documentOf(first))).toBe(true);
  });
});
