// What other modules may use of the endorsements module; its repository is its own.
export {
  endorsesArea,
  endorsesAreaSql,
  isLive,
  isLiveSql,
  isStale,
  isStaleSql,
  liveStatuses,
  resolveAreaKeys,
  STALE_AFTER_DAYS,
  staleBefore,
} from './endorsement.rules.js';
export { createEndorsement, type EndorseDeps } from './endorse.service.js';
export {
  amendEndorsement,
  decideEndorsement,
  getEndorsement,
  reconfirmEndorsement,
  withdrawEndorsement,
} from './lifecycle.service.js';
export { countEndorsements, listEndorsements } from './endorsements.service.js';
export { downloadMandate, MAX_MANDATE_BYTES, sniffMediaType, uploadMandate } from './mandate.service.js';
export {
  amendSchema,
  createEndorsementSchema,
  decisionSchema,
  progressInputSchema,
  reconfirmSchema,
  withdrawSchema,
} from './endorsements.schemas.js';
export { addProgress } from './progress.service.js';
export { findOwnCityEndorsement } from './endorsements.access.js';
export type { EndorsementRow } from './endorsements.repository.js';
