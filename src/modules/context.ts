import type { DbContext } from '../db/tx.js';
import type { Actor } from '../lib/actor.js';

/** What every service takes: the database (or the transaction it runs in), who acts, and the request. */
export interface ServiceContext extends DbContext {
  actor: Actor;
  requestId?: string;
}
