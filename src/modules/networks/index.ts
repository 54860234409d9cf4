// What other modules may use of the networks module. Its repository is its own; the reads below
// check no permission (networks are public).
export { findNetworkByCode, findNetworkById } from './networks.repository.js';
export { createNetwork, listNetworks, resolveNetworkCodes } from './networks.service.js';
export { createNetworkSchema, networkCodeSchema } from './networks.schemas.js';
