import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { signingKeys } from '../src/db/schema/index.js';
import { canonicalJson } from '../src/lib/hash.js';
import { SERIAL_ALPHABET, serialPattern } from '../src/lib/serial.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { createCity, createCityOfficial, createSecretariat, type TestUser } from './helpers/factories.js';
import { createPublishedPledge } from './helpers/pledge-factories.js';

let t: TestApp;
let secretariat: TestUser;
beforeAll(async () => {
  t = await buildTestApp();
  secretariat = await createSecretariat(t);
});
afterAll(async () => t.close());

const api = (path: string) => `/api/v1${path}`;

async function verifiedEndorsement(
  app: TestApp,
  staff: TestUser,
  options: { language?: string; areaKeys?: string[] } = {},
) {
  const pledge = await createPublishedPledge(app, { areaKeys: ['governance', 'economy', 'climate'] });
  const city = await createCity(app, { name: `Kraków ${Math.random().toString(36).slice(2, 7)}`, country: 'PL' });
  const official = await createCityOfficial(app, city.id);
  const created = await app.app.inject({
    method: 'POST',
    url: api(`/pledges/${pledge.slug}/endorsements`),
    headers: official.headers,
    payload: {
      versionNumber: 1,
      scope: options.areaKeys ? 'areas' : 'whole',
      ...(options.areaKeys ? { areaKeys: options.areaKeys } : {}),
      signatory: { name: 'Aleksander Miszalski', title: 'Prezydent' },
      language: options.language ?? 'fr',
    },
  });
  expect(created.statusCode, created.body).toBe(201);
  const id = created.json().id as string;
  const decided = await app.app.inject({
    method: 'POST',
    url: api(`/endorsements/${id}/decision`),
    headers: staff.headers,
    payload: { decision: 'verified' },
  });
  expect(decided.statusCode, decided.body).toBe(200);
  return { id, pledge, city, official, detail: decided.json() };
}

function publicKeyFrom(keys: Array<{ keyId: string; publicKey: string }>, keyId: string) {
  const key = keys.find((k) => k.keyId === keyId)!;
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: key.publicKey }, format: 'jwk' });
}

describe('certificates', () => {
  it('are issued on verification, signed, and checkable by anyone with the published key', async () => {
    const { detail, pledge, city } = await verifiedEndorsement(t, secretariat, { areaKeys: ['climate', 'governance'] });
    expect(detail.certificate).toMatchObject({ status: 'valid' });
    const serial = detail.certificate.serial as string;
    expect(serial).toMatch(serialPattern);
    for (const ch of serial.replace(/^AP-|-/g, '')) expect(SERIAL_ALPHABET).toContain(ch);

    const res = await t.app.inject({ method: 'GET', url: api(`/certificates/${serial}`) });
    expect(res.statusCode).toBe(200);
    const cert = res.json();
    expect(cert).toMatchObject({
      serial,
      status: 'valid',
      algorithm: 'Ed25519',
      signatureValid: true,
      revokedAt: null,
    });
    expect(cert.payload).toMatchObject({
      serial,
      pledge: { slug: pledge.slug },
      version: { number: 1, contentHash: pledge.contentHash },
      city: { name: city.name, country: 'PL', countryName: { en: 'Poland', es: 'Polonia', fr: 'Pologne' } },
      scope: 'areas',
      areas: [
        { key: 'governance', title: { en: 'Area governance', es: 'Área governance', fr: 'Domaine governance' } },
        { key: 'climate', title: { en: 'Area climate', es: 'Área climate', fr: 'Domaine climate' } },
      ],
      signatory: { name: 'Aleksander Miszalski', title: 'Prezydent' },
      language: 'fr',
      verifyUrl: `http://localhost:3000/certificates/${serial}`,
    });

    const keys = (await t.app.inject({ method: 'GET', url: api('/certificates/keys') })).json().keys;
    // The app's one signing key, which signed this certificate.
    expect(keys.map((k: { keyId: string }) => k.keyId)).toEqual([cert.keyId]);
    const ok = verify(
      null,
      Buffer.from(canonicalJson(cert.payload)),
      publicKeyFrom(keys, cert.keyId),
      Buffer.from(cert.signature, 'base64url'),
    );
    expect(ok).toBe(true);
    // One changed byte of the payload and the signature no longer verifies.
    const forged = { ...cert.payload, city: { ...cert.payload.city, name: 'Krakow' } };
    expect(
      verify(
        null,
        Buffer.from(canonicalJson(forged)),
        publicKeyFrom(keys, cert.keyId),
        Buffer.from(cert.signature, 'base64url'),
      ),
    ).toBe(false);
  });

  it('accept a serial typed loosely, and answer 404 for an unknown one', async () => {
    const { detail } = await verifiedEndorsement(t, secretariat);
    const serial = detail.certificate.serial as string;
    const loose = serial.toLowerCase().replace(/-/g, ' ');
    expect(
      (await t.app.inject({ method: 'GET', url: api(`/certificates/${encodeURIComponent(loose)}`) })).json().serial,
    ).toBe(serial);
    expect((await t.app.inject({ method: 'GET', url: api('/certificates/AP-2222-2222') })).statusCode).toBe(404);
  });

  it('are superseded by the certificate of a later verified revision, and revoked by a withdrawal', async () => {
    const { id, official, detail } = await verifiedEndorsement(t, secretariat);
    const first = detail.certificate.serial as string;
    const amended = await t.app.inject({
      method: 'PATCH',
      url: api(`/endorsements/${id}`),
      headers: official.headers,
      payload: { scope: 'areas', areaKeys: ['economy'], reason: 'narrowed' },
    });
    expect(amended.statusCode).toBe(200);
    // Until the amendment is verified, the earlier revision's certificate stays valid.
    expect(amended.json().certificate).toEqual({ serial: first, status: 'valid' });
    const reverified = await t.app.inject({
      method: 'POST',
      url: api(`/endorsements/${id}/decision`),
      headers: secretariat.headers,
      payload: { decision: 'verified' },
    });
    const second = reverified.json().certificate.serial as string;
    expect(second).not.toBe(first);
    expect((await t.app.inject({ method: 'GET', url: api(`/certificates/${first}`) })).json().status).toBe(
      'superseded',
    );
    expect((await t.app.inject({ method: 'GET', url: api(`/certificates/${second}`) })).json()).toMatchObject({
      status: 'valid',
      payload: { areas: [{ key: 'economy' }] },
    });

    await t.app.inject({
      method: 'POST',
      url: api(`/endorsements/${id}/withdraw`),
      headers: official.headers,
      payload: { reason: 'council changed' },
    });
    const revoked = (await t.app.inject({ method: 'GET', url: api(`/certificates/${second}`) })).json();
    expect(revoked.status).toBe('revoked');
    expect(revoked.revokedAt).toBeTruthy();

    const audit = (
      await t.app.inject({
        method: 'GET',
        url: api('/audit?entityType=certificate&limit=500'),
        headers: secretariat.headers,
      })
    ).json();
    const actions = audit.items
      .filter((e: { entityId: string }) => [first, second].includes(e.entityId))
      .map((e: { action: string; entityId: string }) => `${e.action}:${e.entityId === first ? 1 : 2}`);
    expect(actions.sort()).toEqual([
      'certificate.issued:1',
      'certificate.issued:2',
      'certificate.revoked:2',
      'certificate.superseded:1',
    ]);
  });

  it('are not issued on rejection', async () => {
    const pledge = await createPublishedPledge(t);
    const official = await createCityOfficial(t);
    const created = await t.app.inject({
      method: 'POST',
      url: api(`/pledges/${pledge.slug}/endorsements`),
      headers: official.headers,
      payload: { versionNumber: 1, scope: 'whole', signatory: { name: 'A', title: 'Mayor' }, language: 'en' },
    });
    const rejected = await t.app.inject({
      method: 'POST',
      url: api(`/endorsements/${created.json().id}/decision`),
      headers: secretariat.headers,
      payload: { decision: 'rejected', note: 'unsigned' },
    });
    expect(rejected.json().certificate).toBeNull();
  });

  it('report a stored payload that no longer matches its signature', async () => {
    const { detail } = await verifiedEndorsement(t, secretariat);
    const serial = detail.certificate.serial as string;
    await t.db.execute(
      sql`UPDATE certificates SET payload = jsonb_set(payload, '{signatory,name}', '"Someone Else"')
          WHERE serial = ${serial}`,
    );
    expect((await t.app.inject({ method: 'GET', url: api(`/certificates/${serial}`) })).json().signatureValid).toBe(
      false,
    );
  });
});

describe('signing keys', () => {
  it('are generated once and shared, even when verifications race', async () => {
    const fresh = await buildTestApp();
    try {
      const staff = await createSecretariat(fresh);
      await Promise.all([
        verifiedEndorsement(fresh, staff),
        verifiedEndorsement(fresh, staff),
        verifiedEndorsement(fresh, staff),
      ]);
      const rows = await fresh.db.select().from(signingKeys);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ source: 'generated' });
      const keys = (await fresh.app.inject({ method: 'GET', url: api('/certificates/keys') })).json().keys;
      expect(JSON.stringify(keys)).not.toContain('PRIVATE');
    } finally {
      await fresh.close();
    }
  });

  it('come from CERT_SIGNING_KEY when set; rotating to it keeps the old certificates valid', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    const before = await verifiedEndorsement(t, secretariat);
    const rotated = await buildTestApp({ CERT_SIGNING_KEY: pem });
    try {
      // Same database content as a rotation would have: copy the generated key's public half.
      const generated = (await t.db.select().from(signingKeys).where(eq(signingKeys.source, 'generated')))[0]!;
      await rotated.db.insert(signingKeys).values({ ...generated, privateKeyPem: null, retiredAt: new Date() });
      const staff = await createSecretariat(rotated);
      const after = await verifiedEndorsement(rotated, staff);
      const cert = (
        await rotated.app.inject({ method: 'GET', url: api(`/certificates/${after.detail.certificate.serial}`) })
      ).json();
      expect(cert.signatureValid).toBe(true);
      const keys = (await rotated.app.inject({ method: 'GET', url: api('/certificates/keys') })).json().keys;
      expect(keys.map((k: { keyId: string }) => k.keyId)).toEqual(
        expect.arrayContaining([generated.keyId, cert.keyId]),
      );
      expect(cert.keyId).not.toBe(generated.keyId);
      // The certificate signed before the rotation still verifies with its own key.
      const old = (
        await t.app.inject({ method: 'GET', url: api(`/certificates/${before.detail.certificate.serial}`) })
      ).json();
      expect(
        verify(
          null,
          Buffer.from(canonicalJson(old.payload)),
          publicKeyFrom(keys, old.keyId),
          Buffer.from(old.signature, 'base64url'),
        ),
      ).toBe(true);
    } finally {
      await rotated.close();
    }
  });

  it('refuse a CERT_SIGNING_KEY that is not an Ed25519 private key, naming the variable', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    expect(() => loadConfig({ CERT_SIGNING_KEY: pem })).toThrow(ConfigError);
    expect(() => loadConfig({ CERT_SIGNING_KEY: pem })).toThrow(/CERT_SIGNING_KEY/);
    expect(() =>
      loadConfig({ CERT_SIGNING_KEY: '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----' }),
    ).toThrow(/CERT_SIGNING_KEY/);
  });
});
