import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../lib/errors.js';
import { languages } from '../../lib/countries.js';
import { sendDownload } from '../../lib/download.js';
import { endorsementCertificatePdf, MAX_CERTIFICATE_PDF_BYTES, verifyUploadedPdf } from './certificate-check.js';
import { certificatesZipDownload, getCertificate } from './certificates.service.js';
import { activePdfSigner, fingerprintOf, publishedSigningCertificates, toPem } from './signing-certificates.js';
import { printerOf } from './certificate.render.js';
import { publicKeys } from './signing-keys.js';

const tags = ['certificates'];

const certificateSchema = z.object({
  serial: z.string(),
  status: z.enum(['valid', 'superseded', 'revoked']),
  payload: z.record(z.string(), z.unknown()),
  signature: z.string().describe('Ed25519 signature of the RFC 8785 canonical payload, base64url'),
  keyId: z.string(),
  algorithm: z.literal('Ed25519'),
  issuedAt: z.date(),
  supersededAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
  signatureValid: z.boolean().describe('the stored signature checks out against the published key'),
});

const pdfOutcomes = ['valid', 'unsigned', 'malformed', 'altered', 'unknown_signer'] as const;
const dataOutcomes = ['valid', 'malformed', 'forged', 'unknown_key', 'differs'] as const;
const checksSchema = z
  .object({
    pdfSignature: z.object({
      outcome: z
        .enum(pdfOutcomes)
        .describe('the PDF signature over every byte of the file, by a published certificate'),
      signer: z.object({ subject: z.string(), fingerprint: z.string() }).nullable(),
      signedAt: z.date().nullable(),
    }),
    certificateData: z.object({
      outcome: z.enum(dataOutcomes).describe('the embedded data: its Ed25519 signature, and the same as on record'),
    }),
  })
  .describe('the two checks of the document; `status` is the third, the registry’s');

const signingCertificateFormats = {
  pem: { type: 'application/x-pem-file', body: (der: Uint8Array) => toPem(der) },
  cer: { type: 'application/pkix-cert', body: (der: Uint8Array) => Buffer.from(der) },
  crt: { type: 'application/pkix-cert', body: (der: Uint8Array) => Buffer.from(der) },
};

const certificatesRoutes: FastifyPluginAsyncZod = async (app) => {
  const printer = printerOf(app);

  // Raw bytes for the verification upload; the content is checked, not the header.
  app.addContentTypeParser(
    ['application/pdf', 'application/octet-stream'],
    { parseAs: 'buffer', bodyLimit: MAX_CERTIFICATE_PDF_BYTES },
    (_req, body, done) => done(null, body),
  );

  app.post(
    '/certificates/verify',
    {
      bodyLimit: MAX_CERTIFICATE_PDF_BYTES,
      schema: {
        operationId: 'verifyCertificatePdf',
        tags,
        summary:
          'Check a certificate PDF (anyone): its PDF signature, its embedded data’s signature, and the record’s status',
        consumes: ['application/pdf'],
        response: {
          200: certificateSchema.extend({
            matches: z.boolean().describe('both checks of the document passed: it is genuine and unchanged'),
            reason: z.string(),
            checks: checksSchema,
          }),
        },
      },
    },
    async (request) => {
      const body = request.body;
      if (!Buffer.isBuffer(body))
        throw new AppError(415, 'unsupported_media_type', 'Upload the certificate as application/pdf.');
      return verifyUploadedPdf(app.database.db, body);
    },
  );

  app.get(
    '/pledges/:pledgeId/certificates.zip',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'downloadCertificatesZip',
        tags,
        summary: 'Every current certificate of the pledge as PDFs in one streamed ZIP (secretariat)',
        security: [{ bearerAuth: [] }],
        params: z.object({ pledgeId: z.string().trim().min(1).max(100) }),
      },
    },
    async (request, reply) =>
      sendDownload(reply, await certificatesZipDownload(app.ctx(request), printer, request.params.pledgeId)),
  );

  app.get(
    '/endorsements/:id/certificate.pdf',
    {
      onRequest: app.authenticate,
      schema: {
        operationId: 'downloadCertificatePdf',
        tags,
        summary: 'The current certificate as a PDF (its city officials, the secretariat); 404 before verification',
        security: [{ bearerAuth: [] }],
        params: z.object({ id: z.uuid() }),
        querystring: z.object({ lang: z.enum(languages).optional() }),
      },
    },
    async (request, reply) => {
      const { pdf, serial } = await endorsementCertificatePdf(
        app.ctx(request),
        printer,
        request.params.id,
        request.query.lang,
      );
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="certificate-${serial}.pdf"`)
        .send(pdf);
    },
  );

  app.get(
    '/certificates/keys',
    {
      schema: {
        operationId: 'listCertificateKeys',
        tags,
        summary:
          'The public keys that sign certificates, and the X.509 certificates that sign their PDFs (old ones stay, ' +
          'so old certificates keep verifying)',
        response: {
          200: z.object({
            keys: z.array(
              z.object({
                keyId: z.string(),
                algorithm: z.literal('Ed25519'),
                publicKey: z.string().describe('raw 32-byte Ed25519 public key, base64url'),
                createdAt: z.date(),
                retiredAt: z.date().nullable(),
              }),
            ),
            signingCertificates: z.array(
              z.object({
                fingerprint: z.string().describe('SHA-256 of the certificate (DER), hex'),
                subject: z.string(),
                notBefore: z.date(),
                notAfter: z.date(),
                certificate: z.string().describe('the X.509 certificate that signs certificate PDFs, PEM'),
                createdAt: z.date(),
                retiredAt: z.date().nullable(),
              }),
            ),
          }),
        },
      },
    },
    async () => ({
      keys: await publicKeys(app.database.db),
      signingCertificates: await publishedSigningCertificates(app.database.db),
    }),
  );

  app.get(
    '/certificates/signing-certificate.:format',
    {
      schema: {
        operationId: 'downloadSigningCertificate',
        tags,
        summary:
          'The certificate that signs certificate PDFs now, to trust in a PDF reader: PEM, or DER as .cer or .crt',
        params: z.object({ format: z.enum(['pem', 'cer', 'crt']) }),
      },
    },
    async (request, reply) => {
      const [der] = (await activePdfSigner(app.database.db, app.config.documentSigner)).chain;
      const format = signingCertificateFormats[request.params.format];
      return reply
        .type(format.type)
        .header(
          'content-disposition',
          `attachment; filename="action-pledge-signing-${fingerprintOf(der!).slice(0, 16)}.${request.params.format}"`,
        )
        .send(format.body(der!));
    },
  );

  app.get(
    '/certificates/:serial',
    {
      schema: {
        operationId: 'getCertificate',
        tags,
        summary: 'Check a certificate by its serial (anyone): status, payload, signature, key id',
        params: z.object({ serial: z.string().trim().min(6).max(20) }),
        response: { 200: certificateSchema },
      },
    },
    async (request) => getCertificate(app.database.db, request.params.serial),
  );
};

export default certificatesRoutes;
