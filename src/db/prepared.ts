import type { Db } from './client.js';

/** A drizzle query builder (select, insert, update, delete) that can be prepared under a name. */
interface Preparable<Prepared> {
  prepare(name: string): Prepared;
}

/**
 * A query on a hot path as a named prepared statement, through drizzle's `.prepare(name)`:
 * PostgreSQL parses and plans it once per connection and then reuses the plan, and the query is
 * built and compiled once per database handle (the pool's handle lives as long as the process), so
 * a call only binds values to its `sql.placeholder`s. A transaction is a handle of its own, on
 * which the query is prepared once for as long as it runs. PGlite runs the query as it is.
 *
 * Names must be unique: each is one statement on every connection.
 */
export function preparedQuery<Prepared>(name: string, build: (db: Db) => Preparable<Prepared>): (db: Db) => Prepared {
  const byHandle = new WeakMap<Db, Prepared>();
  return (db) => {
    let prepared = byHandle.get(db);
    if (prepared === undefined) {
      prepared = build(db).prepare(name);
      byHandle.set(db, prepared);
    }
    return prepared;
  };
}
