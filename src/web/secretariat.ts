import type { FastifyInstance } from 'fastify';
import secretariatAdmin from './secretariat-admin.js';
import secretariatEndorsement from './secretariat-endorsement.js';
import secretariatEndorsements from './secretariat-endorsements.js';
import secretariatHome from './secretariat-home.js';
import { pledgePages } from './secretariat-pledges.js';
import { reportPages } from './secretariat-reports.js';
import { roundBoardPages } from './secretariat-rounds.js';

// The secretariat's console (/secretariat/…): each part in its own file, registered here one after
// the other. Every page checks who may open it (secretariat-common.ts; the reports page also lets a
// network reviewer read their network's).

export default async function secretariatPages(app: FastifyInstance) {
  await app.register(secretariatHome);
  await app.register(secretariatEndorsements);
  await app.register(secretariatEndorsement);
  await app.register(pledgePages);
  await app.register(roundBoardPages);
  await app.register(reportPages);
  await app.register(secretariatAdmin);
}
