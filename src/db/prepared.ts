import { createHash } from 'node:crypto';
import type { SQL } from 'drizzle-orm';
import type { Db } from './client.js';

// The two parts of a drizzle database (or transaction) that `execute` itself uses. drizzle's
// `execute` passes no statement name, and its typed API offers names only to the query builder.
interface DrizzleInternals {
  dialect: { sqlToQuery(query: SQL): { sql: string; params: unknown[] } };
  session: {
    prepareQuery(
      query: { sql: string; params: unknown[] },
      fields: undefined,
      name: string,
      arrayMode: boolean,
    ): { execute(values?: Record<string, unknown>): Promise<unknown> };
  };
}

/**
 * A statement on a hot path, run as a named prepared statement: PostgreSQL parses and plans it
 * once per connection and then reuses it (on endorsement creation, parsing and planning were
 * 1.1 ms of the 1.8 ms the database spent on a request). It is written with
 * `sql.placeholder('name')` for its values, so its text is built (and named, by a digest) once
 * per shape and a call only fills in the values: building a large statement from its template on
 * every request cost more CPU than the rest of drizzle's work. `shape` picks among the
 * statement's variants (a pledge by id or by slug, the filters a page applies); their number must
 * stay small, as each is prepared on every connection. PGlite runs the statement as it is.
 */
export function preparedStatement<Shape extends string>(build: (shape: Shape) => SQL) {
  const compiled = new Map<Shape, { query: { sql: string; params: unknown[] }; name: string }>();
  return (db: Db, shape: Shape, values: Record<string, unknown>): Promise<unknown> => {
    const internals = db as unknown as DrizzleInternals;
    let statement = compiled.get(shape);
    if (!statement) {
      const query = internals.dialect.sqlToQuery(build(shape));
      statement = { query, name: `ap_${createHash('sha256').update(query.sql).digest('base64url').slice(0, 24)}` };
      compiled.set(shape, statement);
    }
    return internals.session.prepareQuery(statement.query, undefined, statement.name, false).execute(values);
  };
}
