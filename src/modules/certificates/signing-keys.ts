import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { signingKeys } from '../../db/schema/index.js';
import { parseSigningKey } from '../../lib/signing-key.js';

export interface ActiveKey {
  keyId: string;
  privateKey: KeyObject;
}

/** The raw 32-byte Ed25519 public key, base64url (what GET /certificates/keys publishes). */
export function rawPublicKey(key: KeyObject): string {
  const jwk = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' });
  return jwk.x as string;
}

/** A key id derived from the public key, so the same key always has the same id. */
export function keyIdOf(publicKeyB64: string): string {
  return `ed25519-${createHash('sha256').update(Buffer.from(publicKeyB64, 'base64url')).digest('hex').slice(0, 16)}`;
}

/**
 * The key that signs new certificates: CERT_SIGNING_KEY when configured (its public half is
 * recorded so that its certificates verify after a rotation), otherwise the key generated once
 * and kept in the database, so that every instance signs with the same key.
 */
export async function activeSigningKey(db: Db, configuredPem?: string): Promise<ActiveKey> {
  if (configuredPem) {
    const privateKey = parseSigningKey(configuredPem);
    const publicKey = rawPublicKey(privateKey);
    const keyId = keyIdOf(publicKey);
    await db
      .insert(signingKeys)
      .values({ keyId, publicKey, source: 'configured' })
      .onConflictDoNothing({ target: signingKeys.keyId });
    return { keyId, privateKey };
  }
  const existing = await findActiveGenerated(db);
  if (existing) return existing;
  const { privateKey } = generateKeyPairSync('ed25519');
  const publicKey = rawPublicKey(privateKey);
  // Two instances may race here: the partial unique index lets one key in; both then use it.
  await db
    .insert(signingKeys)
    .values({
      keyId: keyIdOf(publicKey),
      publicKey,
      privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
      source: 'generated',
    })
    .onConflictDoNothing();
  const active = await findActiveGenerated(db);
  if (!active) throw new Error('no signing key could be created');
  return active;
}

async function findActiveGenerated(db: Db): Promise<ActiveKey | undefined> {
  const [row] = await db
    .select()
    .from(signingKeys)
    .where(and(eq(signingKeys.source, 'generated'), isNull(signingKeys.retiredAt)));
  if (!row?.privateKeyPem) return undefined;
  return { keyId: row.keyId, privateKey: createPrivateKey(row.privateKeyPem) };
}

export async function publicKeys(db: Db) {
  const rows = await db.select().from(signingKeys).orderBy(asc(signingKeys.createdAt), asc(signingKeys.keyId));
  return rows.map((r) => ({
    keyId: r.keyId,
    algorithm: 'Ed25519' as const,
    publicKey: r.publicKey,
    createdAt: r.createdAt,
    retiredAt: r.retiredAt,
  }));
}

export async function findPublicKey(db: Db, keyId: string): Promise<KeyObject | undefined> {
  const [row] = await db.select().from(signingKeys).where(eq(signingKeys.keyId, keyId));
  return row ? createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: row.publicKey }, format: 'jwk' }) : undefined;
}
