import { Column, type DriverValueDecoder, is, noopDecoder, SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { cursorPages } from '../../db/cursor.js';

// Report rows read from a server-side cursor (cursorPages) come as the database names them; a
// drizzle select's rows are named by its selection's properties. Renaming 100,000 rows in
// JavaScript cost more than 5% of the CSV export, so the database names every cell instead.

type Decoder = DriverValueDecoder<unknown, unknown>;

/** The decoder of a computed cell (`sql<T>`...`.mapWith(...)`); drizzle keeps it off its types. */
const decoderOf = (expression: SQL): Decoder => (expression as SQL & { decoder: Decoder }).decoder;

/** Text, uuid and the like come as they are; timestamps, integers and jsonb are decoded. */
const passesAsItIs = (column: Column) => column.mapFromDriverValue === Column.prototype.mapFromDriverValue;

/**
 * A selection for typedCursorPages: the same cells, each named (AS) after its property, decoded as
 * drizzle decodes the column. Typed as the selection it is given, so the select's rows have the
 * columns' types, and a renamed schema column fails the type check as anywhere else.
 */
export function cursorSelection<F extends Record<string, Column | SQL.Aliased>>(fields: F): F {
  const named = Object.entries(fields).map(([key, field]) => {
    if (is(field, Column)) return [key, (passesAsItIs(field) ? sql`${field}` : sql`${field}`.mapWith(field)).as(key)];
    if (field.fieldAlias === key) return [key, field];
    // A subquery's cell, or a computed one named otherwise: referred to, and named after its property.
    return [key, sql`${field}`.mapWith(decoderOf(field.sql)).as(key)];
  });
  return Object.fromEntries(named) as F;
}

/** A drizzle select: its SQL, and the row type and fields of its selection. */
export interface TypedSelect<T> {
  readonly _: { readonly result: T[]; readonly selectedFields: unknown };
  getSQL(): SQL;
}

/** Which cells of a cursorSelection need decoding: the property, and its decoder. */
function decodersOf(fields: unknown): Array<{ key: string; decoder: Decoder }> {
  return Object.entries(fields as Record<string, unknown>).flatMap(([key, field]) => {
    if (!is(field, SQL.Aliased) || field.fieldAlias !== key) {
      throw new Error(`report query: select "${key}" through cursorSelection() to read it from a cursor`);
    }
    const decoder = decoderOf(field.sql);
    return decoder === noopDecoder ? [] : [{ key, decoder }];
  });
}

/**
 * The rows of a drizzle select on a cursorSelection, `pageSize` at a time, from cursorPages (one
 * snapshot, a server-side cursor, a page fetched ahead): typed and decoded as the select itself
 * would give them.
 */
export async function* typedCursorPages<T>(db: Db, query: TypedSelect<T>, pageSize: number): AsyncGenerator<T[]> {
  const decoders = decodersOf(query._.selectedFields);
  for await (const page of cursorPages<Record<string, unknown>>(db, query.getSQL(), pageSize)) {
    // The CSV's cells are all text: its rows pass untouched.
    if (decoders.length > 0) {
      for (const row of page) {
        for (const { key, decoder } of decoders) {
          const value = row[key];
          if (value !== null) row[key] = decoder.mapFromDriverValue(value);
        }
      }
    }
    yield page as T[];
  }
}
