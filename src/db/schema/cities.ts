import { sql } from 'drizzle-orm';
import {
  check,
  doublePrecision,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { networks } from './networks.js';

export const cities = pgTable(
  'cities',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    country: text('country').notNull(),
    kind: text('kind', { enum: ['city', 'municipality', 'metropolitan_area', 'region'] }).notNull(),
    region: text('region').notNull(),
    subregion: text('subregion'),
    population: integer('population'),
    latitude: doublePrecision('latitude'),
    longitude: doublePrecision('longitude'),
    preferredLanguage: text('preferred_language', { enum: ['en', 'es', 'fr'] })
      .notNull()
      .default('en'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    // The natural key: the same city imported twice is updated, never duplicated.
    uniqueIndex('cities_country_name_key').on(t.country, sql`lower(${t.name})`),
    index('cities_region_idx').on(t.region),
    check('cities_country_format', sql`${t.country} ~ '^[A-Z]{2}$'`),
  ],
);

export const cityNetworks = pgTable(
  'city_networks',
  {
    cityId: uuid('city_id')
      .notNull()
      .references(() => cities.id, { onDelete: 'cascade' }),
    networkId: uuid('network_id')
      .notNull()
      .references(() => networks.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.cityId, t.networkId] }), index('city_networks_network_idx').on(t.networkId)],
);
