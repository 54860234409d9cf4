import { z } from 'zod';
import { visibleText } from '../../lib/text.js';

export const networkCodeSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{1,31}$/, 'must be 2–32 letters, digits, "-" or "_", starting with a letter');

export const networkSchema = z.object({ id: z.uuid(), code: z.string(), name: z.string() });

export const createNetworkSchema = z.object({ code: networkCodeSchema, name: visibleText(200) }).strict();
