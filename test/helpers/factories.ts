import { randomBytes } from 'node:crypto';
import type { Role } from '../../src/db/schema/index.js';
import { createCity as createCityService } from '../../src/modules/cities/cities.service.js';
import type { CreateCityInput } from '../../src/modules/cities/cities.schemas.js';
import { findNetworkByCode } from '../../src/modules/networks/networks.repository.js';
import { withTx } from '../../src/db/tx.js';
import { hashPassword } from '../../src/lib/passwords.js';
import { recordAudit } from '../../src/modules/audit/audit.service.js';
import { insertUser } from '../../src/modules/users/users.repository.js';
import {
  assertRoleScope,
  createUser as createUserService,
  type NewUser,
} from '../../src/modules/users/users.service.js';
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

export async function networkId(t: TestApp, code: string): Promise<string> {
  const network = await findNetworkByCode(t.db, code);
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
  /** A valid access token, signed like the login route signs it. */
  token: string;
  headers: { authorization: string };
}

export const DEFAULT_PASSWORD = 'correct horse battery staple';

export async function createUser(
  t: TestApp,
  options: { role: Role; cityId?: string; networkId?: string; email?: string; password?: string; name?: string },
): Promise<TestUser> {
  const password = options.password ?? DEFAULT_PASSWORD;
  const input = {
    email: options.email ?? `${unique(options.role + '-')}@example.org`,
    name: options.name ?? `Test ${options.role}`,
    role: options.role,
    password,
    cityId: options.cityId,
    networkId: options.networkId,
  };
  // argon2id at OWASP cost takes ~60 ms; most tests use the default password, hashed once.
  const user =
    password === DEFAULT_PASSWORD
      ? await createUserWithDefaultPassword(t, input)
      : await createUserService(t.system, input);
  const token = t.app.jwt.sign({ sub: user.id, role: user.role });
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

let defaultPasswordHash: Promise<string> | undefined;

async function createUserWithDefaultPassword(t: TestApp, input: NewUser) {
  defaultPasswordHash ??= hashPassword(DEFAULT_PASSWORD);
  const passwordHash = await defaultPasswordHash;
  return withTx(t.system, async (tx) => {
    const scope = await assertRoleScope(tx, input.role, input.cityId, input.networkId);
    const user = await insertUser(tx.db, {
      email: input.email.toLowerCase(),
      name: input.name,
      role: input.role,
      ...scope,
      passwordHash,
    });
    await recordAudit(tx, {
      action: 'user.created',
      entityType: 'user',
      entityId: user.id,
      summary: { after: { email: user.email, role: user.role } },
    });
    return user;
  });
}

export const createSecretariat = (t: TestApp) => createUser(t, { role: 'secretariat' });

export async function createCityOfficial(t: TestApp, cityId?: string) {
  return createUser(t, { role: 'city_official', cityId: cityId ?? (await createCity(t)).id });
}

export async function createReviewer(t: TestApp, code = 'MMC') {
  return createUser(t, { role: 'network_reviewer', networkId: await networkId(t, code) });
}
