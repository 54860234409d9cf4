import { z } from 'zod';
import { roles } from '../../db/schema/index.js';
import { pageSchema } from '../../lib/pagination.js';
import { visibleText } from '../../lib/text.js';

export const roleSchema = z.enum(roles);
export const emailSchema = z
  .email()
  .max(254)
  .transform((e) => e.trim().toLowerCase());

/** What a signed-in user learns about themselves (GET /me and login answers). */
export const meSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  role: roleSchema,
  cityId: z.uuid().nullable(),
  networkId: z.uuid().nullable(),
});

export const userSchema = meSchema.extend({
  active: z.boolean(),
  createdAt: z.date(),
  updatedAt: z.date(),
});

export const userListSchema = pageSchema(userSchema);

export const userListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(500).optional(),
  role: roleSchema.optional(),
  active: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  q: z.string().trim().min(1).max(200).optional(),
});

export const userPatchSchema = z
  .object({
    role: roleSchema.optional(),
    active: z.boolean().optional(),
    name: visibleText(200).optional(),
    cityId: z.uuid().nullable().optional(),
    networkId: z.uuid().nullable().optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: 'nothing to change' });

export const userIdParamsSchema = z.object({ id: z.uuid() });

export type UserPatch = z.infer<typeof userPatchSchema>;
