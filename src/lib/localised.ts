import { z } from 'zod';
import { hasVisibleCharacter, visibleText } from './text.js';

/**
 * `{ en, es?, fr? }`: English required, the others optional; blank translations (nothing visible)
 * are dropped.
 */
export function localisedSchema(maxLength: number) {
  const text = visibleText(maxLength);
  const optional = z
    .string()
    .optional()
    .transform((v) => (v !== undefined && hasVisibleCharacter(v) ? v : undefined))
    .pipe(text.optional());
  return z
    .object({
      en: visibleText(maxLength, { minMessage: 'English text is required' }),
      es: optional,
      fr: optional,
    })
    .strict()
    .transform(({ en, es, fr }) => ({ en, ...(es ? { es } : {}), ...(fr ? { fr } : {}) }));
}

export const localisedOutputSchema = z.object({ en: z.string(), es: z.string().optional(), fr: z.string().optional() });
