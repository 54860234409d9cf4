import type { DbContext } from '../db/tx.js';
import type { Actor } from '../lib/actor.js';

/** What every service takes: the database (or the transaction it runs in), who acts, and the request. */
export interface ServiceContext extends DbContext {
  actor: Actor;
  requestId?: string;
  /**
   * The instant a change is dated with, when not the system's clock: the demo seed writes a
   * history that began in 2020 through the same services, each step at its own date.
   */
  now?: () => Date;
}

/** The instant to date a change with: the context's clock, else the system's. */
export function nowOf(ctx: Pick<ServiceContext, 'now'>): Date {
  return ctx.now?.() ?? new Date();
}
