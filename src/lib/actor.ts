/** Who is acting: built from the verified token and the user's current row, never from input. */
export type Actor =
  | { kind: 'secretariat'; userId: string }
  | { kind: 'network_reviewer'; userId: string; networkId: string }
  | { kind: 'city_official'; userId: string; cityId: string }
  | { kind: 'anonymous' }
  /** Command-line tools and the seed: trusted, recorded as "system" in the audit log. */
  | { kind: 'system'; label: string };

export const anonymous: Actor = { kind: 'anonymous' };

export function actorUserId(actor: Actor): string | null {
  return 'userId' in actor ? actor.userId : null;
}
