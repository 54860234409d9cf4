import { randomBytes } from 'node:crypto';
import type { Role } from '../../src/db/schema/index.js';
import { issueSession } from '../../src/modules/auth/auth.service.js';
import { createCity as createCityService } from '../../src/modules/cities/cities.service.js';
import type { CreateCityInput } from '../../src/modules/cities/cities.schemas.js';
import { listNetworks } from '../../src/modules/networks/networks.service.js';
import { createUser as createUserService } from '../../src/modules/users/users.service.js';
import type { TestApp } from './app.js';

let counter = 0;
/** A suffix that keeps factory-made names unique within and across runs. */
export function unique(prefix = ''): string {
  counter++;
  return `${prefix}${counter}-${randomBytes(3).toString('hex')}`;
}

export async function createCity(t: TestApp, overrides: Partial<CreateCityInput> = {}) {
  return createCityService(t.system, { name: unique('Testville '), country: 'EC', kind: 'city', ...overrides });
}

/** The id of a seeded network, by its code in any case. */
export async function networkId(t: TestApp, code: string): Promise<string> {
  const network = (await listNetworks(t.system)).find((n) => n.code.toLowerCase() === code.toLowerCase());
  if (!network) throw new Error(`network ${code} missing`);
  return network.id;
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
  role: Role;
  cityId: string | null;
  networkId: string | null;
  /** A valid access token of a session of its own, issued as the login route issues it. */
  token: string;
  headers: { authorization: string };
}

export const DEFAULT_PASSWORD = 'correct horse battery staple';

/** A user made by the users service (hashing, scope check, audit event), as the system. */
export async function createUser(
  t: TestApp,
  options: { role: Role; cityId?: string; networkId?: string; email?: string; password?: string; name?: string },
): Promise<TestUser> {
  const password = options.password ?? DEFAULT_PASSWORD;
  const user = await createUserService(t.system, {
    email: options.email ?? `${unique(options.role + '-')}@example.org`,
    name: options.name ?? `Test ${options.role}`,
    role: options.role,
    password,
    cityId: options.cityId,
    networkId: options.networkId,
  });
  const { accessToken: token } = await issueSession(
    t.db,
    { config: t.config, signAccessToken: (claims) => t.app.jwt.sign(claims) },
    user,
  );
  return {
    id: user.id,
    email: user.email,
    password,
    role: user.role,
    cityId: user.cityId,
    networkId: user.networkId,
    token,
    headers: { authorization: `Bearer ${token}` },
  };
}

export const createSecretariat = (t: TestApp) => createUser(t, { role: 'secretariat' });

export async function createCityOfficial(t: TestApp, cityId?: string) {
  return createUser(t, { role: 'city_official', cityId: cityId ?? (await createCity(t)).id });
}

export async function createReviewer(t: TestApp, code = 'MMC') {
  return createUser(t, { role: 'network_reviewer', networkId: await networkId(t, code) });
}
