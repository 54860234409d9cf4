// What other modules may use of the rounds module; its repository is its own.
export { closeRound, openRound } from './rounds.service.js';
export { addComment, resolveComment, setVerdict } from './reviews.service.js';
export { queueDeadlineReminders } from './reminders.js';
export { ROUND_ATTENTION_DAYS, roundsNeedingAttention } from './attention.service.js';
