import type { EndorsementStatus } from '../../db/schema/index.js';
import { defineStateMachine } from '../../lib/state-machine.js';

/**
 * DOMAIN.md: submitted ─verify→ verified ─withdraw→ withdrawn; submitted ─reject→ rejected (the
 * city may submit a new one); an amendment or a re-confirmation sends a live endorsement back to
 * submitted, with a new revision.
 */
export const endorsementStateMachine = defineStateMachine<
  EndorsementStatus,
  'verify' | 'reject' | 'amend' | 'reconfirm' | 'withdraw'
>('endorsement', {
  verify: { from: ['submitted'], to: 'verified' },
  reject: { from: ['submitted'], to: 'rejected' },
  amend: { from: ['submitted', 'verified'], to: 'submitted' },
  reconfirm: { from: ['submitted', 'verified'], to: 'submitted' },
  withdraw: { from: ['submitted', 'verified'], to: 'withdrawn' },
});

/** A live endorsement counts: one per city and pledge (the database's partial unique index says the same). */
export const liveStatuses: readonly EndorsementStatus[] = ['submitted', 'verified'];
export const isLive = (status: EndorsementStatus) => liveStatuses.includes(status);
