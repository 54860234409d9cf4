import { z } from 'zod';
import { isCountryCode, languages, regions } from '../../lib/countries.js';
import { pageSchema } from '../../lib/pagination.js';
import { networkCodeSchema } from '../networks/index.js';
import { visibleText } from '../../lib/text.js';

export const cityKinds = ['city', 'municipality', 'metropolitan_area', 'region'] as const;

export const countryCodeSchema = z
  .string()
  .trim()
  .transform((c) => c.toUpperCase())
  .refine(isCountryCode, { message: 'must be an ISO 3166-1 alpha-2 country code' });

const cityFields = {
  name: visibleText(200),
  country: countryCodeSchema,
  kind: z.enum(cityKinds),
  region: z.enum(regions).optional(),
  population: z.number().int().min(0).max(2_000_000_000).nullable().optional(),
  latitude: z.number().min(-90).max(90).nullable().optional(),
  longitude: z.number().min(-180).max(180).nullable().optional(),
  networks: z.array(networkCodeSchema).max(50).optional(),
  preferredLanguage: z.enum(languages).optional(),
};

export const createCitySchema = z.object(cityFields).strict();
export type CreateCityInput = z.infer<typeof createCitySchema>;

export const updateCitySchema = z
  .object(cityFields)
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: 'nothing to change' });
export type UpdateCityInput = z.infer<typeof updateCitySchema>;

export const citySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  country: z.string(),
  countryName: z.object({ en: z.string(), es: z.string(), fr: z.string() }),
  kind: z.enum(cityKinds),
  region: z.string(),
  subregion: z.string().nullable(),
  population: z.number().nullable(),
  latitude: z.number().nullable(),
  longitude: z.number().nullable(),
  networks: z.array(z.string()),
  preferredLanguage: z.enum(languages),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type City = z.infer<typeof citySchema>;

export const cityListSchema = pageSchema(citySchema);

export const cityListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(500).optional(),
  country: countryCodeSchema.optional(),
  region: z.enum(regions).optional(),
  network: networkCodeSchema.optional(),
  q: z.string().trim().min(1).max(200).optional(),
});
export type CityListQuery = z.infer<typeof cityListQuerySchema>;

export const cityIdParamsSchema = z.object({ id: z.uuid() });

export const importResultSchema = z.object({
  created: z.number().int(),
  updated: z.number().int(),
  errors: z.array(z.object({ line: z.number().int(), message: z.string() })),
});
