import { createHash, randomBytes } from 'node:crypto';
import canonicalize from 'canonicalize';

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** RFC 8785 canonical JSON: the same value always gives the same bytes, on any machine. */
export function canonicalJson(value: unknown): string {
  const out = canonicalize(value);
  if (out === undefined) throw new Error('value cannot be canonicalised');
  return out;
}

export function canonicalSha256(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

/** An unguessable token for links and refresh tokens (256 bits). */
export function randomToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}
