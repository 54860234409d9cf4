import { z } from 'zod';
import { resolutionStatuses, roundOutcomes, verdicts } from '../../db/schema/index.js';
import { listQuerySchema } from '../../lib/pagination.js';
import { networkCodeSchema } from '../networks/index.js';
import { areaKeySchema } from '../pledges/index.js';
import { visibleText } from '../../lib/text.js';

export const openRoundSchema = z
  .object({
    deadline: z.coerce.date().refine((d) => d.getTime() > Date.now(), 'must be in the future'),
    networks: z
      .array(networkCodeSchema)
      .min(1, 'invite at least one network')
      .max(50)
      .refine((a) => new Set(a.map((c) => c.toLowerCase())).size === a.length, 'must not repeat a network'),
  })
  .strict();

export const commentSchema = z.object({
  id: z.uuid(),
  roundId: z.uuid(),
  network: z.string(),
  areaKey: z.string().nullable(),
  body: z.string(),
  late: z.boolean(),
  authorId: z.uuid().nullable(),
  createdAt: z.date(),
  resolution: z
    .object({
      status: z.enum(resolutionStatuses),
      response: z.string(),
      resolvedAt: z.date(),
      resolvedBy: z.uuid().nullable(),
    })
    .nullable(),
});

export const roundNetworkSchema = z.object({
  code: z.string(),
  name: z.string(),
  verdict: z.enum(verdicts).nullable(),
  summary: z.string().nullable(),
  late: z.boolean(),
  decidedAt: z.date().nullable(),
});

export const roundSchema = z.object({
  id: z.uuid(),
  pledgeId: z.uuid(),
  pledgeSlug: z.string(),
  versionNumber: z.number().int(),
  status: z.enum(['open', 'closed']),
  deadline: z.date(),
  outcome: z.enum(roundOutcomes).nullable(),
  forced: z.boolean(),
  openedAt: z.date(),
  closedAt: z.date().nullable(),
  networks: z.array(roundNetworkSchema),
  comments: z.array(commentSchema),
});
export type RoundView = z.infer<typeof roundSchema>;

export const roundParamsSchema = z.object({ roundId: z.uuid() });
export const commentParamsSchema = roundParamsSchema.extend({ commentId: z.uuid() });
export const reviewParamsSchema = roundParamsSchema.extend({ networkCode: networkCodeSchema });

export const addCommentSchema = z
  .object({ areaKey: areaKeySchema.nullable().optional(), body: visibleText(10_000) })
  .strict();

export const commentQuerySchema = listQuerySchema.extend({
  network: networkCodeSchema.optional(),
  areaKey: z.string().trim().max(64).optional(),
  resolved: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});

export const resolutionSchema = z
  .object({ status: z.enum(resolutionStatuses), response: visibleText(10_000) })
  .strict();

export const verdictSchema = z
  .object({ verdict: z.enum(verdicts), summary: z.string().trim().max(10_000).optional() })
  .strict();

export const closeRoundSchema = z.object({ force: z.boolean().optional() }).strict();
