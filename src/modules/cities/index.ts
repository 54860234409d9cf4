// What other modules may use of the cities module. Its repository is its own; the reads below
// check no permission (for services that have decided what their actor may see).
export { findCityById, isCityInNetwork } from './cities.repository.js';
export { countryCodeSchema, type CreateCityInput } from './cities.schemas.js';
export { countCities, createCity } from './cities.service.js';
export { inNetworkCodeSql, inNetworkSql } from './membership.js';
