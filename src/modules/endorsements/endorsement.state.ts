import { type EndorsementStatus, liveStatuses } from '../../db/schema/index.js';
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
  // Only a live endorsement can be amended, re-confirmed or withdrawn.
  amend: { from: liveStatuses, to: 'submitted' },
  reconfirm: { from: liveStatuses, to: 'submitted' },
  withdraw: { from: liveStatuses, to: 'withdrawn' },
});
