import type { FastifyInstance } from 'fastify';
import secretariatEndorsement from './secretariat-endorsement.js';
import secretariatEndorsements from './secretariat-endorsements.js';
import secretariatHome from './secretariat-home.js';

// The secretariat's console (/secretariat/…): each page module in its own file, registered here
// one after the other. Every page checks that the reader is the secretariat (secretariat-common.ts).

export default async function secretariatPages(app: FastifyInstance) {
  await app.register(secretariatHome);
  await app.register(secretariatEndorsements);
  await app.register(secretariatEndorsement);
}
