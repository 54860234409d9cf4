import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getCertificate } from './certificates.service.js';
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

const certificatesRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/certificates/keys',
    {
      schema: {
        operationId: 'listCertificateKeys',
        tags,
        summary: 'The public keys that sign certificates (old ones stay, so old certificates keep verifying)',
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
          }),
        },
      },
    },
    async () => ({ keys: await publicKeys(app.database.db) }),
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
