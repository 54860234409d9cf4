import { z } from 'zod';
import { emailSchema, meSchema, roleSchema } from '../users/index.js';
import { languages } from '../../lib/i18n.js';
import { visibleText } from '../../lib/text.js';

// An upper bound keeps a megabyte "password" from costing a megabyte of hashing.
const passwordSchema = z.string().min(1).max(1024);

export const loginBodySchema = z.object({ email: emailSchema, password: passwordSchema }).strict();

export const refreshBodySchema = z.object({ refreshToken: z.string().min(10).max(200) }).strict();

export const sessionSchema = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  expiresIn: z.number().int(),
  user: meSchema,
});

export const createInvitationSchema = z
  .object({
    email: emailSchema,
    name: visibleText(200),
    role: roleSchema,
    cityId: z.uuid().nullable().optional(),
    networkId: z.uuid().nullable().optional(),
    /** The language the invitation mail is written in (en, es or fr); English when absent. */
    language: z.enum(languages).optional(),
  })
  .strict();

export const invitationCreatedSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  role: roleSchema,
  expiresAt: z.date(),
  acceptToken: z.string(),
});

export const acceptInvitationSchema = z
  .object({
    token: z.string().min(10).max(200),
    password: z.string().min(12, 'must have at least 12 characters').max(1024),
    name: visibleText(200).optional(),
  })
  .strict();
