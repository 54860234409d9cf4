import fastifyMultipart from '@fastify/multipart';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { countryName } from '../lib/countries.js';
import { AppError, NotFoundError } from '../lib/errors.js';
import type { Translator } from '../lib/i18n.js';
import { normaliseSerial, serialPattern } from '../lib/serial.js';
import {
  type CertificateDataOutcome,
  type CertificatePayload,
  certificateWithSuccessor,
  MAX_CERTIFICATE_PDF_BYTES,
  type PdfSignatureOutcome,
  verifyUploadedPdf,
} from '../modules/certificates/index.js';
import type { FormError } from './render.js';

// Certificate checks anyone can do: the page a certificate's QR code opens, and /verify, by the
// serial printed on it or by uploading the PDF (which also proves its text was not changed).

type Certificate = Awaited<ReturnType<typeof certificateWithSuccessor>>['certificate'];

/** What the pages show of a certificate, in the reader's language. */
export function certificateView(certificate: Certificate, t: Translator) {
  const payload = certificate.payload as unknown as CertificatePayload;
  return {
    serial: certificate.serial,
    status: certificate.status,
    issuedAt: certificate.issuedAt,
    supersededAt: certificate.supersededAt,
    revokedAt: certificate.revokedAt,
    signatureValid: certificate.signatureValid,
    keyId: certificate.keyId,
    city: payload.city.name,
    country: countryName(payload.city.country, t.lang),
    pledge: t.pick(payload.pledge.title),
    pledgeSlug: payload.pledge.slug,
    versionNumber: payload.version.number,
    contentHash: payload.version.contentHash,
    whole: payload.scope === 'whole',
    areas: payload.areas.map((a) => t.pick(a.title)),
    signatory: payload.signatory,
  };
}

const serialParams = z.object({ serial: z.string().trim().min(6).max(20) });

/** The megabytes a person reads in the upload's hint and errors ("5 MB"). */
const sizeInWords = (t: Translator) =>
  new Intl.NumberFormat(t.lang, { style: 'unit', unit: 'megabyte', unitDisplay: 'short' }).format(
    MAX_CERTIFICATE_PDF_BYTES / (1024 * 1024),
  );

function verifyForm(reply: FastifyReply, t: Translator, errors: FormError[] = [], serial = '') {
  return reply.page(
    'verify',
    { title: t.t('verify.title'), errors, values: { serial }, maxSize: sizeInWords(t) },
    errors.length ? 400 : 200,
  );
}

/** The body of the verify form, as @fastify/multipart gives it (fields as strings, the file as bytes). */
const verifyBody = z.object({
  serial: z.string().max(100).optional(),
  pdf: z.instanceof(Buffer).optional(),
});

/** The upload's problems that the person can fix, in words; anything else is ours. */
function uploadProblem(err: unknown, t: Translator): string | undefined {
  if (!(err instanceof AppError)) return undefined;
  if (err.status === 415) return t.t('verify.error.notPdf');
  if (err.status === 400) return t.t('verify.error.notCertificate');
  if (err.status === 404) return t.t('verify.error.unknownUpload');
  return undefined;
}

type MessageKey = Parameters<Translator['t']>[0];

/** Each check's finding in words. */
const pdfSignatureMessages: Record<PdfSignatureOutcome, MessageKey> = {
  valid: 'verify.signature.pdf.valid',
  altered: 'verify.result.altered',
  unsigned: 'verify.signature.pdf.unsigned',
  malformed: 'verify.signature.pdf.malformed',
  unknown_signer: 'verify.signature.pdf.unknownSigner',
};
const certificateDataMessages: Record<CertificateDataOutcome, MessageKey> = {
  valid: 'verify.signature.data.valid',
  forged: 'verify.result.forged',
  malformed: 'verify.result.malformed',
  unknown_key: 'verify.result.unknownKey',
  differs: 'verify.result.differs',
};

type Checked = Awaited<ReturnType<typeof verifyUploadedPdf>>;

/** The three checks of an upload as the result page says them: the PDF's signature, the data's, the status. */
function checksView(checked: Checked, t: Translator) {
  const { pdfSignature, certificateData } = checked.checks;
  // In words, and with the sign and colour of the status tags on the certificate's own page.
  const registry =
    checked.status === 'valid'
      ? { sign: '✓', label: t.t('certificate.status.valid'), text: t.t('verify.signature.registry.valid') }
      : checked.status === 'superseded'
        ? {
            sign: '!',
            label: t.t('certificate.status.superseded'),
            text: t.t('verify.signature.registry.superseded', { date: t.date(checked.supersededAt!) }),
          }
        : {
            sign: '✕',
            label: t.t('certificate.status.revoked'),
            text: t.t('verify.signature.registry.revoked', { date: t.date(checked.revokedAt!) }),
          };
  return {
    pdfSignature: {
      ok: pdfSignature.outcome === 'valid',
      text: t.t(pdfSignatureMessages[pdfSignature.outcome]),
      signedAt: pdfSignature.signedAt,
      signer: pdfSignature.signer,
    },
    certificateData: {
      ok: certificateData.outcome === 'valid',
      text: t.t(certificateDataMessages[certificateData.outcome], { keyId: checked.keyId }),
    },
    registry: { status: checked.status, ...registry },
  };
}

export default async function certificatePages(app: FastifyInstance) {
  const db = () => app.database.db;

  // Uploads only here: one PDF, and the few fields of the form.
  await app.register(fastifyMultipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fileSize: MAX_CERTIFICATE_PDF_BYTES, files: 1, fields: 4, fieldSize: 1_000, parts: 6 },
  });

  // An upload refused while it was read (too large, too many files) is said beside the field.
  app.setErrorHandler(async (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const { t } = request.web;
    if (request.routeOptions.url === '/verify' && error.code === 'FST_REQ_FILE_TOO_LARGE') {
      return verifyForm(reply, t, [{ field: 'pdf', message: t.t('verify.error.tooLarge', { size: sizeInWords(t) }) }]);
    }
    if (request.routeOptions.url === '/verify' && error.code?.startsWith('FST_') && error.statusCode === 413) {
      return verifyForm(reply, t, [{ field: 'pdf', message: t.t('verify.error.oneFile') }]);
    }
    throw error;
  });

  app.get('/verify', async (request, reply) => verifyForm(reply, request.web.t));

  app.post('/verify', { preValidation: app.csrfProtection }, async (request, reply) => {
    const { t } = request.web;
    const parsed = verifyBody.safeParse(request.body ?? {});
    if (!parsed.success) return verifyForm(reply, t, [{ field: 'serial', message: t.t('verify.error.nothing') }]);
    const typed = (parsed.data.serial ?? '').trim();
    const serial = typed ? normaliseSerial(typed) : '';
    const pdf = parsed.data.pdf;
    if (typed && !serialPattern.test(serial)) {
      return verifyForm(reply, t, [{ field: 'serial', message: t.t('verify.error.serialFormat') }], typed);
    }
    if (pdf && pdf.length > 0) {
      let checked;
      try {
        checked = await verifyUploadedPdf(db(), pdf);
      } catch (err) {
        const message = uploadProblem(err, t);
        if (!message) throw err;
        return verifyForm(reply, t, [{ field: 'pdf', message }], typed);
      }
      if (serial && serial !== checked.serial) {
        return verifyForm(
          reply,
          t,
          [{ field: 'serial', message: t.t('verify.error.mismatch', { serial: checked.serial }) }],
          typed,
        );
      }
      const checks = checksView(checked, t);
      // The summary says the first check that failed; each is said below.
      const failed = [checks.pdfSignature, checks.certificateData].find((check) => !check.ok);
      return reply.page('verify-result', {
        title: t.t('verify.result.title'),
        genuine: checked.matches,
        outcome: failed ? failed.text : t.t('verify.result.genuine'),
        checks,
        certificate: certificateView(checked, t),
      });
    }
    if (!serial) return verifyForm(reply, t, [{ field: 'serial', message: t.t('verify.error.nothing') }]);
    try {
      await certificateWithSuccessor(db(), serial);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      return verifyForm(reply, t, [{ field: 'serial', message: t.t('verify.error.unknown', { serial }) }], typed);
    }
    return reply.redirect(`/certificates/${serial}`, 303);
  });

  app.get('/certificates/:serial', async (request, reply) => {
    const { t } = request.web;
    const params = serialParams.safeParse(request.params);
    if (!params.success) throw new NotFoundError('Certificate');
    const { certificate, successor } = await certificateWithSuccessor(db(), params.data.serial);
    // A serial typed loosely ("ap 7k3m q9xr") answers at its proper address.
    if (certificate.serial !== params.data.serial) return reply.redirect(`/certificates/${certificate.serial}`, 301);
    return reply.page('certificate', {
      title: t.t('certificate.title', { serial: certificate.serial }),
      certificate: certificateView(certificate, t),
      successor,
    });
  });
}
