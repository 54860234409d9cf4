import { z } from 'zod';
import { endorsementLanguages, endorsementScopes, endorsementStatuses, progressStages } from '../../db/schema/index.js';
import { regions } from '../../lib/countries.js';
import { countryCodeSchema } from '../cities/index.js';
import { networkCodeSchema } from '../networks/index.js';
import { areaKeySchema } from '../pledges/index.js';
import { visibleText } from '../../lib/text.js';

const isoDate = z.string().describe('ISO 8601 date-time');

/** A version number the database can hold: beyond it, a clear 400 rather than a failed cast. */
const versionNumberSchema = z.number().int().min(1).max(2_147_483_647);

const areaKeysSchema = z
  .array(areaKeySchema)
  .min(1)
  .max(200)
  .refine((keys) => new Set(keys).size === keys.length, 'must not repeat an area key');

export const createEndorsementSchema = z
  .object({
    cityId: z.uuid().optional(),
    versionNumber: versionNumberSchema,
    scope: z.enum(endorsementScopes),
    areaKeys: areaKeysSchema.optional(),
    signatory: z
      .object({
        name: visibleText(200),
        title: visibleText(200),
        email: z.email().max(254).optional(),
      })
      .strict(),
    statement: z.string().trim().max(5_000).optional(),
    language: z.enum(endorsementLanguages),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.scope === 'areas' && !v.areaKeys)
      ctx.addIssue({ code: 'custom', path: ['areaKeys'], message: 'is required when scope is "areas"' });
    if (v.scope === 'whole' && v.areaKeys)
      ctx.addIssue({
        code: 'custom',
        path: ['areaKeys'],
        message: 'must be absent when scope is "whole" (every area is endorsed)',
      });
  });
export type CreateEndorsementInput = z.infer<typeof createEndorsementSchema>;

export const amendSchema = z
  .object({
    scope: z.enum(endorsementScopes),
    areaKeys: areaKeysSchema.optional(),
    reason: z.string().trim().max(2_000).optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.scope === 'areas' && !v.areaKeys)
      ctx.addIssue({ code: 'custom', path: ['areaKeys'], message: 'is required when scope is "areas"' });
    if (v.scope === 'whole' && v.areaKeys)
      ctx.addIssue({ code: 'custom', path: ['areaKeys'], message: 'must be absent when scope is "whole"' });
  });

export const reconfirmSchema = z
  .object({
    versionNumber: versionNumberSchema,
    scope: z.enum(endorsementScopes).optional(),
    areaKeys: areaKeysSchema.optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.scope === 'whole' && v.areaKeys)
      ctx.addIssue({ code: 'custom', path: ['areaKeys'], message: 'must be absent when scope is "whole"' });
    if (v.areaKeys && !v.scope)
      ctx.addIssue({ code: 'custom', path: ['scope'], message: 'give scope "areas" with areaKeys' });
  });

export const withdrawSchema = z.object({ reason: visibleText(2_000, { min: 3 }) }).strict();

export const decisionSchema = z
  .object({
    decision: z.enum(['verified', 'rejected']),
    note: z.string().trim().max(2_000).optional(),
    revision: z
      .number()
      .int()
      .min(1)
      .max(2_147_483_647)
      .optional()
      .describe('The revision decided on, as read: when the endorsement has changed since, 409 and nothing is decided'),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.decision === 'rejected' && !v.note)
      ctx.addIssue({ code: 'custom', path: ['note'], message: 'is required to reject (tell the city why)' });
  });

export const progressInputSchema = z
  .object({ areaKey: areaKeySchema, stage: z.enum(progressStages), narrative: visibleText(10_000) })
  .strict();

export const progressSchema = z.object({
  id: z.uuid(),
  endorsementId: z.uuid(),
  areaKey: z.string(),
  stage: z.enum(progressStages),
  narrative: z.string(),
  createdBy: z.uuid().nullable(),
  createdAt: isoDate,
});

export const historyEntrySchema = z.object({
  revision: z.number().int(),
  at: isoDate,
  by: z.object({ id: z.uuid().nullable(), role: z.string() }),
  action: z.string(),
  status: z.enum(endorsementStatuses),
  scope: z.enum(endorsementScopes),
  areaKeys: z.array(z.string()),
  versionNumber: z.number().int(),
  contentHash: z.string(),
  reason: z.string().nullable(),
});

export const endorsementSchema = z.object({
  id: z.uuid(),
  cityId: z.uuid(),
  city: z.object({ id: z.uuid(), name: z.string(), country: z.string(), region: z.string() }),
  pledgeId: z.uuid(),
  pledgeSlug: z.string(),
  versionNumber: z.number().int(),
  contentHash: z.string(),
  scope: z.enum(endorsementScopes),
  areaKeys: z.array(z.string()),
  signatory: z.object({ name: z.string(), title: z.string(), email: z.string().nullable() }),
  statement: z.string().nullable(),
  language: z.enum(endorsementLanguages),
  status: z.enum(endorsementStatuses),
  revision: z.number().int(),
  onBehalf: z.boolean(),
  decisionNote: z.string().nullable(),
  createdAt: isoDate,
  updatedAt: isoDate,
  submittedAt: isoDate,
  verifiedAt: isoDate.nullable(),
  withdrawnAt: isoDate.nullable(),
  mandate: z
    .object({ sha256: z.string(), size: z.number().int(), mediaType: z.string(), uploadedAt: isoDate })
    .nullable(),
  certificate: z.object({ serial: z.string(), status: z.string() }).nullable(),
});
export type EndorsementView = z.infer<typeof endorsementSchema>;

export const endorsementDetailSchema = endorsementSchema.extend({
  history: z.array(historyEntrySchema),
  progress: z.array(
    z.object({
      areaKey: z.string(),
      stage: z.enum(progressStages).nullable(),
      narrative: z.string().nullable(),
      updatedAt: isoDate.nullable(),
      stale: z.boolean(),
    }),
  ),
});

export const reconfirmResultSchema = endorsementDetailSchema.extend({ droppedAreaKeys: z.array(z.string()) });

export const endorsementListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(500).optional(),
  pledge: z.string().trim().min(1).max(100).optional(),
  status: z.enum(endorsementStatuses).optional(),
  country: countryCodeSchema.optional(),
  region: z.enum(regions).optional(),
  network: networkCodeSchema.optional(),
  areaKey: z.string().trim().max(64).optional(),
  versionNumber: z.coerce.number().int().min(1).optional(),
  order: z
    .enum(['newest', 'queue'])
    .optional()
    .describe('newest (the default): by creation, newest first; queue: by submission, oldest first'),
});
export type EndorsementListQuery = z.infer<typeof endorsementListQuerySchema>;

export const endorsementIdParamsSchema = z.object({ id: z.uuid() });
export const mandateResultSchema = z.object({ sha256: z.string(), size: z.number().int(), mediaType: z.string() });
