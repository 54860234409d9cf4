import { z } from 'zod';

/**
 * What shows nothing on its own: whitespace, control characters, format characters (zero-width
 * space and joiners U+200B–U+200D, word joiner U+2060, byte order mark U+FEFF, soft hyphen,
 * bidirectional marks), the other default-ignorable code points (Hangul fillers, variation
 * selectors) and the blank Braille pattern U+2800, which fonts draw as a space. A name made only
 * of these is blank on every page, list and certificate that shows it.
 */
const INVISIBLE = /[\s\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\u2800]/gu;

// Control characters other than tab and line breaks are never text, and PostgreSQL cannot store
// NUL at all: refused here, a NUL is a field's validation error wherever the text comes from (a
// JSON body, a line of a CSV import) instead of a write that fails.
const CONTROL = /(?![\t\n\r])\p{Cc}/u;

/** True when something of the text would be seen. */
export function hasVisibleCharacter(text: string): boolean {
  return text.replace(INVISIBLE, '').length > 0;
}

/**
 * Human-readable text that must say something (a name, a title, a comment): trimmed, between
 * `min` (default 1) and `max` characters, at least one of them visible, and no control character
 * but tabs and line breaks.
 */
export function visibleText(max: number, options: { min?: number; minMessage?: string } = {}) {
  return (
    z
      .string()
      .trim()
      // Too short says it all: the checks after it would only repeat it.
      .min(options.min ?? 1, { message: options.minMessage, abort: true })
      .max(max)
      .refine((text) => !CONTROL.test(text), 'must not contain control characters')
      .refine(hasVisibleCharacter, 'must contain a visible character, not only spaces or invisible ones')
  );
}
