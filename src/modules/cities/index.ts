// What other modules may use of the cities module. Its repository is its own; the reads below
// check no permission (for services that have decided what their actor may see).
export { findCitiesByIds, findCityById, isCityInNetwork } from './cities.repository.js';
export {
  type City,
  cityKinds,
  countryCodeSchema,
  type CreateCityInput,
  createCitySchema,
  type UpdateCityInput,
  updateCitySchema,
} from './cities.schemas.js';
export { countCities, createCity, getCity, listCities, updateCity } from './cities.service.js';
export {
  type ImportIssue,
  type ImportRefusal,
  ImportRefusedError,
  type ImportResult,
  importCities,
  MAX_IMPORT_BYTES,
} from './cities.import.js';
export { inNetworkCodeSql, inNetworkSql } from './membership.js';
