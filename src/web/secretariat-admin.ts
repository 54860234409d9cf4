import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { MAX_IMPORT_BYTES } from '../modules/cities/index.js';
import { keepUpload } from './city-common.js';
import { auditPages } from './secretariat-audit.js';
import { cityAdminPages } from './secretariat-cities.js';
import { networkPages } from './secretariat-networks.js';
import { userPages } from './secretariat-users.js';

// The secretariat's console, its administration: users and invitations, cities (with the CSV
// import), networks and their members, the audit log. One plugin, so that the console's other
// pages register it beside theirs.

export default async function adminPages(app: FastifyInstance) {
  // The CSV import's upload: one file, read whole but never past the import's limit (a larger one
  // is cut and said to be too large), and the form's token.
  await app.register(fastifyMultipart, {
    attachFieldsToBody: 'keyValues',
    throwFileSizeLimit: false,
    limits: { fileSize: MAX_IMPORT_BYTES, files: 1, fields: 10, fieldSize: 1_000, parts: 11 },
    onFile: keepUpload,
  });

  userPages(app);
  cityAdminPages(app);
  networkPages(app);
  auditPages(app);
}
