import { defineStateMachine } from '../../lib/state-machine.js';

type RoundStatus = 'open' | 'closed';

/** A round takes comments and verdicts while open; closing is final. */
export const roundStateMachine = defineStateMachine<RoundStatus, 'comment' | 'give_verdict' | 'close'>(
  'validation round',
  {
    comment: { from: ['open'], to: 'open' },
    give_verdict: { from: ['open'], to: 'open' },
    close: { from: ['open'], to: 'closed' },
  },
);
