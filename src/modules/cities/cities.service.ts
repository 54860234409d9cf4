import { z } from 'zod';
import { withTx } from '../../db/tx.js';
import { nowOf, type ServiceContext } from '../context.js';
import { requireSecretariat, requireSignedIn } from '../../lib/authorize.js';
import { countryNames, regionOf } from '../../lib/countries.js';
import { ConflictError, isUniqueViolation } from '../../lib/errors.js';
import { decodeCursor, toPage } from '../../lib/pagination.js';
import { recordAudit } from '../audit/index.js';
import { resolveNetworkCodes } from '../networks/index.js';
import { assertMayChangeCity, findVisibleCity } from './cities.access.js';
import * as repo from './cities.repository.js';
import type { City, CityListQuery, CreateCityInput, UpdateCityInput } from './cities.schemas.js';

export function toCity(row: repo.CityRow, networkCodes: string[]): City {
  return {
    id: row.id,
    name: row.name,
    country: row.country,
    countryName: countryNames(row.country),
    kind: row.kind,
    region: row.region,
    subregion: row.subregion,
    population: row.population,
    latitude: row.latitude,
    longitude: row.longitude,
    networks: networkCodes,
    preferredLanguage: row.preferredLanguage,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

async function withNetworks(ctx: ServiceContext, row: repo.CityRow): Promise<City> {
  const codes = await repo.networkCodesOfCities(ctx.db, [row.id]);
  return toCity(row, codes.get(row.id) ?? []);
}

function auditView(city: City) {
  const { countryName: _names, createdAt: _c, updatedAt: _u, ...rest } = city;
  return rest;
}

export async function listCities(ctx: ServiceContext, q: CityListQuery) {
  requireSignedIn(ctx.actor);
  const after = decodeCursor(q.cursor, z.tuple([z.string(), z.uuid()])) as [string, string] | undefined;
  const rows = await repo.listCities(ctx.db, {
    country: q.country,
    region: q.region,
    networkCode: q.network,
    q: q.q,
    after,
    limit: q.limit,
  });
  const codes = await repo.networkCodesOfCities(
    ctx.db,
    rows.map((r) => r.id),
  );
  return toPage(
    rows,
    q.limit,
    (r) => toCity(r, codes.get(r.id) ?? []),
    (r) => [r.sortName, r.id],
  );
}

/** How many cities there are: the list's length, for anyone who may read the list. */
export async function countCities(ctx: ServiceContext): Promise<number> {
  requireSignedIn(ctx.actor);
  return repo.countCities(ctx.db);
}

export async function getCity(ctx: ServiceContext, id: string): Promise<City> {
  return withNetworks(ctx, await findVisibleCity(ctx, id));
}

export async function createCity(
  ctx: ServiceContext,
  input: CreateCityInput,
  via: 'api' | 'import' = 'api',
): Promise<City> {
  requireSecretariat(ctx.actor);
  return withTx(ctx, async (tx) => {
    const networkRows = await resolveNetworkCodes(tx, input.networks ?? []);
    if (await repo.findCityByNaturalKey(tx.db, input.country, input.name)) {
      throw new ConflictError(`${input.name} (${input.country}) already exists.`);
    }
    const geo = regionOf(input.country);
    let row: repo.CityRow;
    try {
      row = await repo.insertCity(tx.db, {
        name: input.name,
        country: input.country,
        kind: input.kind,
        region: input.region ?? geo.region,
        subregion: input.region && input.region !== geo.region ? null : geo.subregion,
        population: input.population ?? null,
        latitude: input.latitude ?? null,
        longitude: input.longitude ?? null,
        preferredLanguage: input.preferredLanguage ?? 'en',
        createdAt: nowOf(tx),
        updatedAt: nowOf(tx),
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`${input.name} (${input.country}) already exists.`);
      throw err;
    }
    await repo.replaceCityNetworks(
      tx.db,
      row.id,
      networkRows.map((n) => n.id),
    );
    const city = await withNetworks(tx, row);
    await recordAudit(tx, {
      action: 'city.created',
      entityType: 'city',
      entityId: row.id,
      summary: { via, after: auditView(city) },
    });
    return city;
  });
}

export async function updateCity(
  ctx: ServiceContext,
  id: string,
  input: UpdateCityInput,
  via: 'api' | 'import' = 'api',
): Promise<City> {
  return withTx(ctx, async (tx) => {
    const before = await findVisibleCity(tx, id);
    assertMayChangeCity(tx.actor, input);
    const beforeView = await withNetworks(tx, before);
    const country = input.country ?? before.country;
    const name = input.name ?? before.name;
    if (country !== before.country || name.toLowerCase() !== before.name.toLowerCase()) {
      const clash = await repo.findCityByNaturalKey(tx.db, country, name);
      if (clash && clash.id !== id) throw new ConflictError(`${name} (${country}) already exists.`);
    }
    // A new country brings its own region unless one is given with it.
    const geo = regionOf(country);
    const regionSet =
      input.region !== undefined
        ? { region: input.region, subregion: input.region === geo.region ? geo.subregion : null }
        : input.country !== undefined && input.country !== before.country
          ? { region: geo.region, subregion: geo.subregion }
          : {};
    const { networks: networkCodes, region: _region, ...fields } = input;
    const row = await repo.updateCity(tx.db, id, { ...fields, ...regionSet });
    if (networkCodes !== undefined) {
      const networkRows = await resolveNetworkCodes(tx, networkCodes);
      await repo.replaceCityNetworks(
        tx.db,
        id,
        networkRows.map((n) => n.id),
      );
    }
    const city = await withNetworks(tx, row);
    await recordAudit(tx, {
      action: 'city.updated',
      entityType: 'city',
      entityId: id,
      summary: { via, before: auditView(beforeView), after: auditView(city) },
    });
    return city;
  });
}
