import { createHash } from 'node:crypto';
import { type Placeholder, type SQLWrapper, sql } from 'drizzle-orm';
import type { Db } from './client.js';

/**
 * A write whose statement is built once, with `p('name')` placeholders for its values: an INSERT
 * of an audit event, a mail, a new row. `name` identifies it in the prepared statements it is part
 * of, so it must be unique.
 */
export interface WriteTemplate<V extends Record<string, unknown>> {
  readonly name: string;
  build(db: Db, p: (key: keyof V & string) => Placeholder): SQLWrapper;
}

export function writeTemplate<V extends Record<string, unknown>>(
  name: string,
  build: WriteTemplate<V>['build'],
): WriteTemplate<V> {
  return { name, build };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the queue holds templates of every kind
type AnyTemplate = WriteTemplate<any>;
interface Queued {
  template: AnyTemplate;
  values: Record<string, unknown>;
}

/** The statement for a sequence of templates: prepared once per database handle and sequence. */
type Prepared = { execute(values: Record<string, unknown>): Promise<unknown> };
const statements = new WeakMap<Db, Map<string, Prepared>>();

/**
 * One statement for the queued writes: each a data-modifying CTE, which PostgreSQL runs exactly
 * once, whether or not anything reads it. Built and named by the sequence of templates, so the same
 * kind of change, with other values, is neither compiled again here nor parsed and planned again by
 * PostgreSQL on a connection that has seen it.
 */
function statementFor(db: Db, templates: AnyTemplate[]): Prepared {
  const shape = templates.map((t) => t.name).join(',');
  let byShape = statements.get(db);
  if (!byShape) statements.set(db, (byShape = new Map()));
  let prepared = byShape.get(shape);
  if (!prepared) {
    const ctes = templates.map((t, i) =>
      db.$with(`w${i}`, {}).as(t.build(db, (key) => sql.placeholder(`w${i}_${key}`)).getSQL()),
    );
    const query = db
      .with(...ctes)
      .select({ written: sql<number>`1` })
      .from(sql`(SELECT 1) AS written`);
    prepared = query.prepare(`w_${createHash('sha256').update(shape).digest('base64url').slice(0, 24)}`);
    byShape.set(shape, prepared);
  }
  return prepared;
}

async function run(db: Db, queued: Queued[]): Promise<void> {
  const values: Record<string, unknown> = {};
  queued.forEach(({ values: v }, i) => {
    for (const key in v) values[`w${i}_${key}`] = v[key];
  });
  await statementFor(
    db,
    queued.map((q) => q.template),
  ).execute(values);
}

/**
 * At most this many writes in one statement: keeps a change that queues many (a mail to each of a
 * network's reviewers, say) below PostgreSQL's 65,535 parameters, and the kinds of statement few.
 */
const MAX_WRITES_PER_STATEMENT = 16;

/** Writes queued in a change, sent together as one statement when it ends (see `write`). */
export class PendingWrites {
  private readonly queued: Queued[] = [];

  add(template: AnyTemplate, values: Record<string, unknown>): void {
    this.queued.push({ template, values });
  }

  /**
   * Sends what is queued. More than one statement's worth outside a transaction goes in one, so
   * the change stays all or nothing.
   */
  async flush(db: Db, inTx: boolean): Promise<void> {
    const queued = this.queued.splice(0);
    if (queued.length === 0) return;
    if (queued.length > MAX_WRITES_PER_STATEMENT && !inTx) {
      await db.transaction((tx) => runInChunks(tx, queued));
      return;
    }
    await runInChunks(db, queued);
  }
}

async function runInChunks(db: Db, queued: Queued[]): Promise<void> {
  for (let i = 0; i < queued.length; i += MAX_WRITES_PER_STATEMENT) {
    await run(db, queued.slice(i, i + MAX_WRITES_PER_STATEMENT));
  }
}

/**
 * A write that nothing reads back in the same change (an audit event, a mail, a row the change
 * creates and then only answers with): queued when the change has a queue (see `withTx`), to go
 * out with the others in one statement; sent at once otherwise.
 */
export async function write<V extends Record<string, unknown>>(
  ctx: { db: Db; pending?: PendingWrites },
  template: WriteTemplate<V>,
  values: V,
): Promise<void> {
  if (ctx.pending) ctx.pending.add(template, values);
  else await run(ctx.db, [{ template, values }]);
}
