import { count } from 'drizzle-orm';
import type { Actor } from '../lib/actor.js';
import type { ServiceContext } from '../modules/context.js';
import { createCity } from '../modules/cities/index.js';
import { findNetworkByCode } from '../modules/networks/index.js';
import { createUser } from '../modules/users/index.js';
import type { Database, Db } from '../db/client.js';
import { withTx } from '../db/tx.js';
import { users } from '../db/schema/index.js';
import type { CreateCityInput } from '../modules/cities/index.js';
import { seedEndorsements } from './endorsement-seed.js';
import { moreDemoCities } from './more-cities.js';
import { seedQuitoPledge } from './pledge-seed.js';
import { PREPARATION } from './timeline.js';
import { findUserByEmail } from '../modules/users/index.js';

const system: Actor = { kind: 'system', label: 'demo-seed' };

/** Real cities across every region, with names that need more than ASCII. */
export const demoCities: CreateCityInput[] = [
  {
    name: 'Quito',
    country: 'EC',
    kind: 'city',
    population: 2_800_000,
    latitude: -0.1807,
    longitude: -78.4678,
    networks: ['MMC', 'UCLG'],
    preferredLanguage: 'es',
  },
  {
    name: 'Bogotá',
    country: 'CO',
    kind: 'city',
    population: 7_900_000,
    latitude: 4.711,
    longitude: -74.0721,
    networks: ['MMC', 'Metropolis'],
    preferredLanguage: 'es',
  },
  {
    name: 'São Paulo',
    country: 'BR',
    kind: 'city',
    population: 12_300_000,
    latitude: -23.5505,
    longitude: -46.6333,
    networks: ['Metropolis', 'UCLG'],
    preferredLanguage: 'es',
  },
  {
    name: 'Montréal',
    country: 'CA',
    kind: 'city',
    population: 1_780_000,
    latitude: 45.5017,
    longitude: -73.5673,
    networks: ['MMC', 'Metropolis'],
    preferredLanguage: 'fr',
  },
  {
    name: 'Kraków',
    country: 'PL',
    kind: 'city',
    population: 800_000,
    latitude: 50.0647,
    longitude: 19.945,
    networks: ['UCLG'],
    preferredLanguage: 'en',
  },
  {
    name: 'Αθήνα',
    country: 'GR',
    kind: 'municipality',
    population: 640_000,
    latitude: 37.9838,
    longitude: 23.7275,
    networks: ['MMC', 'GPM'],
    preferredLanguage: 'en',
  },
  {
    name: 'Київ',
    country: 'UA',
    kind: 'city',
    population: 2_950_000,
    latitude: 50.4501,
    longitude: 30.5234,
    networks: ['GPM'],
    preferredLanguage: 'en',
  },
  {
    name: 'Freetown',
    country: 'SL',
    kind: 'city',
    population: 1_200_000,
    latitude: 8.4657,
    longitude: -13.2317,
    networks: ['MMC', 'UCLG'],
    preferredLanguage: 'en',
  },
  {
    name: 'Kampala',
    country: 'UG',
    kind: 'city',
    population: 1_680_000,
    latitude: 0.3476,
    longitude: 32.5825,
    networks: ['MMC', 'GPM'],
    preferredLanguage: 'en',
  },
  {
    name: 'Dakar',
    country: 'SN',
    kind: 'city',
    population: 1_150_000,
    latitude: 14.7167,
    longitude: -17.4677,
    networks: ['UCLG'],
    preferredLanguage: 'fr',
  },
  {
    name: 'Amman',
    country: 'JO',
    kind: 'metropolitan_area',
    population: 4_000_000,
    latitude: 31.9454,
    longitude: 35.9284,
    networks: ['MMC', 'UCLG'],
    preferredLanguage: 'en',
  },
  {
    name: 'Dhaka North',
    country: 'BD',
    kind: 'city',
    population: 6_000_000,
    latitude: 23.8103,
    longitude: 90.4125,
    networks: ['MMC'],
    preferredLanguage: 'en',
  },
  {
    name: 'Ciudad de México',
    country: 'MX',
    kind: 'city',
    population: 9_200_000,
    latitude: 19.4326,
    longitude: -99.1332,
    networks: ['Metropolis', 'UCLG'],
    preferredLanguage: 'es',
  },
  {
    name: 'Melbourne',
    country: 'AU',
    kind: 'metropolitan_area',
    population: 5_000_000,
    latitude: -37.8136,
    longitude: 144.9631,
    networks: ['Metropolis'],
    preferredLanguage: 'en',
  },
];

/**
 * Demo accounts: publicly known passwords, which is why production never seeds them. The people
 * are invented, as are all the demo's people (people.ts).
 */
interface DemoUser {
  email: string;
  name: string;
  role: 'secretariat' | 'network_reviewer' | 'city_official';
  password: string;
  network?: string;
  city?: string;
}

export const demoUsers: DemoUser[] = [
  {
    email: 'secretariat@demo.actionpledge.org',
    name: 'Sofía Herrera',
    role: 'secretariat',
    password: 'demo-secretariat-2026',
  },
  {
    email: 'reviewer.mmc@demo.actionpledge.org',
    name: 'Maya Okafor',
    role: 'network_reviewer',
    network: 'MMC',
    password: 'demo-reviewer-mmc-2026',
  },
  {
    email: 'reviewer.metropolis@demo.actionpledge.org',
    name: 'Marc Dubois',
    role: 'network_reviewer',
    network: 'Metropolis',
    password: 'demo-reviewer-metropolis-2026',
  },
  {
    email: 'reviewer.uclg@demo.actionpledge.org',
    name: 'Ursula Lindqvist',
    role: 'network_reviewer',
    network: 'UCLG',
    password: 'demo-reviewer-uclg-2026',
  },
  {
    email: 'reviewer.gpm@demo.actionpledge.org',
    name: 'Gil Ferreira',
    role: 'network_reviewer',
    network: 'GPM',
    password: 'demo-reviewer-gpm-2026',
  },
  {
    email: 'official.quito@demo.actionpledge.org',
    name: 'Diego Salazar',
    role: 'city_official',
    city: 'Quito',
    password: 'demo-official-quito-2026',
  },
  {
    email: 'official.bogota@demo.actionpledge.org',
    name: 'Laura Pineda',
    role: 'city_official',
    city: 'Bogotá',
    password: 'demo-official-bogota-2026',
  },
];

/**
 * Fills an empty database with demo data, in one transaction (all or nothing), and prints the
 * demo logins. A database that has any user is left alone, so a restart never seeds twice.
 */
export async function seedDemoDataIfEmpty(
  database: Pick<Database, 'db' | 'withLock'>,
  opts: { print: (line: string) => void; publicBaseUrl?: string },
): Promise<boolean> {
  // Under a lock every instance shares: of two starting at once on an empty database, the second
  // to get it finds the first one's users and seeds nothing.
  const seeded = await database.withLock(SEED_LOCK_KEY, () => seedIfEmpty(database.db, opts.publicBaseUrl));
  if (seeded) {
    opts.print('');
    opts.print(
      'Demo data seeded: 48 cities, the Quito City Action Pledge (published, version 1) and its endorsements.',
    );
    const base = opts.publicBaseUrl ?? 'http://localhost:3000';
    opts.print(`Sign in at ${base}/sign-in (the portal) or with POST ${base}/api/v1/auth/login (the API):`);
    for (const u of demoUsers) opts.print(`  ${u.role.padEnd(17)} ${u.email.padEnd(44)} ${u.password}`);
    opts.print('');
  }
  return seeded;
}

/** Any fixed number, not the migrations' (db/client.ts). */
const SEED_LOCK_KEY = 7_262_020;

const MINUTE = 60_000;

/**
 * The demo's history, written through the services with a clock the seed sets before each step
 * (the context's `now`), from the autumn of 2019 to `now`: so its dates, the audit log's order
 * included, are those of a secretariat's few years of work.
 */
function seedIfEmpty(db: Db, publicBaseUrl = 'http://localhost:3000'): Promise<boolean> {
  const now = new Date();
  let clock = now;
  const setClock = (at: Date) => {
    clock = at;
  };
  return withTx({ db, actor: system, now: () => clock }, async (ctx) => {
    const [row] = await ctx.db.select({ n: count() }).from(users);
    if ((row?.n ?? 0) > 0) return false;
    const cityIds = new Map<string, string>();
    const allCities = [];
    for (const [i, city] of [...demoCities, ...moreDemoCities].entries()) {
      setClock(new Date(PREPARATION.cities.getTime() + i * MINUTE));
      const created = await createCity(ctx, city, 'api');
      cityIds.set(city.name, created.id);
      allCities.push(created);
    }
    for (const [i, u] of demoUsers.entries()) {
      setClock(new Date(PREPARATION.accounts.getTime() + i * MINUTE));
      const networkId = u.network ? (await findNetworkByCode(ctx.db, u.network))?.id : undefined;
      const cityId = u.city ? cityIds.get(u.city) : undefined;
      await createUser(ctx, { email: u.email, name: u.name, role: u.role, password: u.password, networkId, cityId });
    }
    const officials = new Map<string, ServiceContext>();
    for (const u of demoUsers.filter((d) => d.city)) {
      const user = await findUserByEmail(ctx.db, u.email);
      const cityId = cityIds.get(u.city!)!;
      officials.set(cityId, { ...ctx, actor: { kind: 'city_official', userId: user!.id, cityId } });
    }
    const reviewerOf = (code: string) => demoUsers.find((u) => u.network === code)!.email;
    await seedQuitoPledge(
      ctx,
      setClock,
      {
        MMC: reviewerOf('MMC'),
        Metropolis: reviewerOf('Metropolis'),
        UCLG: reviewerOf('UCLG'),
        GPM: reviewerOf('GPM'),
      },
      publicBaseUrl,
    );
    await seedEndorsements(ctx, setClock, allCities, officials, publicBaseUrl, now);
    return true;
  });
}
