// What other modules may use of the rounds module; its repository is its own.
export { closeRound, getRound, listInvitingRounds, openRound, type RoundDeps } from './rounds.service.js';
export type { RoundView } from './rounds.schemas.js';
export { verdictSchema, addCommentSchema, resolutionSchema } from './rounds.schemas.js';
export { addComment, resolveComment, setVerdict } from './reviews.service.js';
export { queueDeadlineReminders } from './reminders.js';
export { ROUND_ATTENTION_DAYS, roundsNeedingAttention } from './attention.service.js';
export { listPledgeRounds } from './pledge-rounds.service.js';
export { openRoundSchema } from './rounds.schemas.js';
