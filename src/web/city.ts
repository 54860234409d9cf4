import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { MAX_MANDATE_BYTES } from '../modules/endorsements/index.js';
import { changePages } from './city-changes.js';
import { endorsementPages } from './city-endorsement.js';
import { endorsePages } from './city-endorse.js';
import { keepUpload } from './city-common.js';

// The city official's pages: their city's endorsements, endorsing a pledge (whole or by area, with
// the mandate document), and one endorsement's page with its history, its certificate, and what
// can be done with it (change its areas, confirm a newer version, withdraw, report progress). The
// services decide everything (whose endorsement, which change its status allows, which area keys
// exist); these pages ask, and say the services' refusals in words.

export default async function cityPages(app: FastifyInstance) {
  // The mandate upload: one file, read whole but never past the limit (a larger one is cut and
  // said to be too large, with the rest of the form kept), and the form's few fields.
  await app.register(fastifyMultipart, {
    attachFieldsToBody: 'keyValues',
    throwFileSizeLimit: false,
    limits: { fileSize: MAX_MANDATE_BYTES, files: 1, fields: 250, fieldSize: 20_000, parts: 260 },
    onFile: keepUpload,
  });

  endorsePages(app);
  endorsementPages(app);
  changePages(app);
}
