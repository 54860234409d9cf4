import { z } from 'zod';

/** `{ en, es?, fr? }`: English required, the others optional; blank translations are dropped. */
export function localisedSchema(maxLength: number) {
  const optional = z
    .string()
    .trim()
    .max(maxLength)
    .optional()
    .transform((v) => (v === '' ? undefined : v));
  return z
    .object({ en: z.string().trim().min(1, 'English text is required').max(maxLength), es: optional, fr: optional })
    .strict()
    .transform(({ en, es, fr }) => ({ en, ...(es ? { es } : {}), ...(fr ? { fr } : {}) }));
}

export const localisedOutputSchema = z.object({ en: z.string(), es: z.string().optional(), fr: z.string().optional() });
