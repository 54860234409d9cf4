import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

/** The OpenAPI document is generated from the zod route schemas: one source for all three. */
export default fp(
  async function docsPlugin(app: FastifyInstance) {
    await app.register(fastifySwagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'Action Pledge endorsement platform',
          description:
            'Cities endorse a pledge, whole or by action area; partner networks validate drafts; the secretariat ' +
            'verifies endorsements and issues verifiable certificates.',
          version: '1.0.0',
        },
        components: {
          securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
        },
        tags: [
          { name: 'operations', description: 'Health and readiness' },
          { name: 'auth', description: 'Sign-in, tokens and invitations' },
          { name: 'users', description: 'Accounts (secretariat)' },
          { name: 'networks', description: 'Partner city networks' },
          { name: 'cities', description: 'Cities and regions' },
          { name: 'pledges', description: 'Pledges, versions and action areas' },
          { name: 'rounds', description: 'Validation rounds with the partner networks' },
          { name: 'endorsements', description: 'Endorsements, their history, mandate documents and progress' },
          { name: 'public', description: 'The published pledge and its signatories (no login)' },
          { name: 'certificates', description: 'Signed certificates of verified endorsements; anyone can check them' },
          {
            name: 'reports',
            description: 'Endorsement reports, summary and frozen snapshots (secretariat; reviewers for their network)',
          },
          { name: 'audit', description: 'Hash-chained audit log (secretariat)' },
        ],
      },
      transform: jsonSchemaTransform,
    });
    await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: true });
  },
  { name: 'docs' },
);
