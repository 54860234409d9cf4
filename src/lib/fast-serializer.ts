import fastJson from 'fast-json-stringify';
import { z } from 'zod';

/**
 * A response serializer for hot routes: the route's zod schema, turned into JSON Schema, compiled
 * by fast-json-stringify. It whitelists fields like the zod serializer does (only declared
 * properties are written) but skips validating the answer, which the route builds field by field.
 */
export function fastSerializerCompiler({ schema }: { schema: unknown }) {
  const jsonSchema = z.toJSONSchema(schema as z.ZodType, { target: 'draft-7', unrepresentable: 'any', io: 'output' });
  const { $schema: _draft, ...rest } = jsonSchema;
  // zod's JSON Schema type is wider than fast-json-stringify's (any `type`, any keyword).
  return fastJson(rest as fastJson.Schema);
}
