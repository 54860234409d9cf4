import { createPrivateKey, type KeyObject } from 'node:crypto';

/** Parses an Ed25519 private key in PEM (CERT_SIGNING_KEY); throws a message naming the problem. */
export function parseSigningKey(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519')
    throw new Error(`must be an Ed25519 private key, not ${key.asymmetricKeyType}`);
  return key;
}
