import { type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import { cityNetworks, networks } from '../../db/schema/index.js';

// A city's membership of a network, as SQL: the one definition behind a reviewer's scope and the
// `network` filter of every list and report.

/** The city (an id column or expression) is a member of the network with this id. */
export function inNetworkSql(cityId: SQLWrapper, networkId: string): SQL {
  return sql`EXISTS (SELECT 1 FROM ${cityNetworks}
    WHERE ${cityNetworks.cityId} = ${cityId} AND ${cityNetworks.networkId} = ${networkId}::uuid)`;
}

/**
 * The city is a member of the network with this code (in any case). The code is a value, or a
 * placeholder of a prepared statement.
 */
export function inNetworkCodeSql(cityId: SQLWrapper, code: string | SQLWrapper): SQL {
  const wanted = typeof code === 'string' ? sql`${code.toLowerCase()}` : sql`lower(${code})`;
  return sql`EXISTS (SELECT 1 FROM ${cityNetworks} JOIN ${networks} ON ${networks.id} = ${cityNetworks.networkId}
    WHERE ${cityNetworks.cityId} = ${cityId} AND lower(${networks.code}) = ${wanted})`;
}
