import { z } from 'zod';
import { versionStatuses } from '../../db/schema/index.js';
import { localisedOutputSchema, localisedSchema } from '../../lib/localised.js';
import { gcrAreas, isSdgTarget } from '../../lib/references.js';
import { visibleText } from '../../lib/text.js';

export const slugSchema = z
  .string()
  .trim()
  .min(3)
  .max(80)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lowercase letters, digits and single hyphens');

export const areaKeySchema = z
  .string()
  .trim()
  .min(2)
  .max(64)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be a lowercase slug (letters, digits, single hyphens)');

export const createPledgeSchema = z
  .object({ slug: slugSchema, title: localisedSchema(300), requireMandateDocument: z.boolean().optional() })
  .strict();

export const updatePledgeSchema = z
  .object({ title: localisedSchema(300).optional(), requireMandateDocument: z.boolean().optional() })
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: 'nothing to change' });

const versionSummarySchema = z.object({
  number: z.number().int(),
  status: z.enum(versionStatuses),
  contentHash: z.string().nullable(),
});

export const pledgeSchema = z.object({
  id: z.uuid(),
  slug: z.string(),
  title: localisedOutputSchema,
  status: z.enum(['draft', 'published']),
  publishedVersion: z.number().int().nullable(),
  requireMandateDocument: z.boolean(),
  versions: z.array(versionSummarySchema),
  createdAt: z.date(),
  updatedAt: z.date(),
});

const areaFields = {
  title: localisedSchema(300),
  description: localisedSchema(5_000),
  commitments: z.array(localisedSchema(2_000)).max(50),
  gcmObjectives: z
    .array(
      z.number().int().min(1, 'GCM objectives are numbered 1 to 23').max(23, 'GCM objectives are numbered 1 to 23'),
    )
    .max(23)
    .refine((a) => new Set(a).size === a.length, 'must not repeat an objective'),
  gcrAreas: z
    .array(z.enum(gcrAreas))
    .max(gcrAreas.length)
    .refine((a) => new Set(a).size === a.length, 'must not repeat an area'),
  sdgTargets: z
    .array(z.string().trim().refine(isSdgTarget, 'must be an SDG target such as "10.7" or "16.b"'))
    .max(169)
    .refine((a) => new Set(a).size === a.length, 'must not repeat a target'),
  position: z.number().int().min(1).max(1_000),
};

export const createAreaSchema = z
  .object({
    key: areaKeySchema,
    title: areaFields.title,
    description: areaFields.description,
    commitments: areaFields.commitments.optional(),
    gcmObjectives: areaFields.gcmObjectives.optional(),
    gcrAreas: areaFields.gcrAreas.optional(),
    sdgTargets: areaFields.sdgTargets.optional(),
    position: areaFields.position.optional(),
  })
  .strict();
export type CreateAreaInput = z.infer<typeof createAreaSchema>;

export const updateAreaSchema = z
  .object({
    title: areaFields.title.optional(),
    description: areaFields.description.optional(),
    commitments: areaFields.commitments.optional(),
    gcmObjectives: areaFields.gcmObjectives.optional(),
    gcrAreas: areaFields.gcrAreas.optional(),
    sdgTargets: areaFields.sdgTargets.optional(),
    position: areaFields.position.optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: 'nothing to change' });
export type UpdateAreaInput = z.infer<typeof updateAreaSchema>;

export const areaSchema = z.object({
  key: z.string(),
  position: z.number().int(),
  title: localisedOutputSchema,
  description: localisedOutputSchema,
  commitments: z.array(localisedOutputSchema),
  gcmObjectives: z.array(z.number().int()),
  gcrAreas: z.array(z.string()),
  sdgTargets: z.array(z.string()),
});
export type Area = z.infer<typeof areaSchema>;

export const versionSchema = z.object({
  pledgeId: z.uuid(),
  pledgeSlug: z.string(),
  number: z.number().int(),
  status: z.enum(versionStatuses),
  preamble: localisedOutputSchema,
  areas: z.array(areaSchema),
  contentHash: z.string().nullable(),
  frozenAt: z.date().nullable(),
  publishedAt: z.date().nullable(),
  copiedFrom: z.number().int().nullable(),
  publishOverrideReason: z.string().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
});

export const createVersionSchema = z.object({ from: z.number().int().min(1).optional() }).strict();
export const updateVersionSchema = z.object({ preamble: localisedSchema(20_000).optional() }).strict();
export const publishSchema = z
  .object({
    override: z
      .object({
        reason: visibleText(2_000, { min: 10, minMessage: 'give a reason of at least 10 characters' }),
      })
      .strict()
      .optional(),
  })
  .strict();

export const pledgeParamsSchema = z.object({ pledgeId: z.string().trim().min(1).max(100) });
export const versionParamsSchema = pledgeParamsSchema.extend({ n: z.coerce.number().int().min(1).max(100_000) });
export const areaParamsSchema = versionParamsSchema.extend({ key: z.string().trim().min(1).max(64) });
export const diffQuerySchema = z.object({ against: z.coerce.number().int().min(1).max(100_000) });

export const diffSchema = z.object({
  from: z.number().int(),
  to: z.number().int(),
  preambleChanged: z.boolean(),
  added: z.array(z.string()),
  removed: z.array(z.string()),
  changed: z.array(z.object({ key: z.string(), fields: z.array(z.string()) })),
});
