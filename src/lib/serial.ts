import { randomInt } from 'node:crypto';

/** Letters and digits that cannot be mistaken for one another when read aloud or typed (no 0/O, 1/I/L, U/V). */
export const SERIAL_ALPHABET = '23456789ABCDEFGHJKMNPQRSTWXYZ';

/** A short certificate serial such as "AP-7K3M-Q9XR": 29^8 (about 5 × 10^11) possibilities. */
export function generateSerial(): string {
  const pick = () => SERIAL_ALPHABET[randomInt(SERIAL_ALPHABET.length)];
  const group = () => Array.from({ length: 4 }, pick).join('');
  return `AP-${group()}-${group()}`;
}

export const serialPattern = new RegExp(`^AP-[${SERIAL_ALPHABET}]{4}-[${SERIAL_ALPHABET}]{4}$`);

/** Accepts what a person types: any case, spaces, missing hyphens. */
export function normaliseSerial(input: string): string {
  const compact = input.toUpperCase().replace(/[\s-]/g, '');
  const body = compact.startsWith('AP') ? compact.slice(2) : compact;
  return body.length === 8 ? `AP-${body.slice(0, 4)}-${body.slice(4)}` : input.toUpperCase();
}
