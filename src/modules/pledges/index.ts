// What other modules may use of the pledges module. Its repository is its own: the reads below are
// for services that have already decided what their actor may see (an endorsement's pledge, a
// round's version), so they check no permission.
export { canSeeVersion, findVisiblePledge, findVisibleVersion } from './pledges.access.js';
export { beginReview, concludeReview } from './review.service.js';
export {
  areasOf,
  findPledge,
  findPublishedVersion,
  findVersionById,
  type PledgeRow,
  type VersionRow,
} from './pledges.repository.js';
export { toArea } from './content.js';
export {
  createPledge,
  createVersion,
  diffVersion,
  getPledge,
  getVersion,
  listPledges,
  updateVersion,
} from './pledges.service.js';
export { diffVersions } from './content.js';
export { addArea, deleteArea, updateArea } from './areas.service.js';
export { publishVersion } from './publish.service.js';
export { isEditable, versionStateMachine } from './version.state.js';
export {
  areaKeySchema,
  areaSchema,
  createAreaSchema,
  createPledgeSchema,
  pledgeParamsSchema,
  publishSchema,
  slugSchema,
  updateAreaSchema,
  updateVersionSchema,
  versionParamsSchema,
} from './pledges.schemas.js';
