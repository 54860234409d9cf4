import { withTx } from '../../db/tx.js';
import type { ServiceContext } from '../context.js';
import { requireSecretariat } from '../../lib/authorize.js';
import { ConflictError, isUniqueViolation, ValidationError } from '../../lib/errors.js';
import { recordAudit } from '../audit/index.js';
import * as repo from './networks.repository.js';

const toNetwork = (n: repo.NetworkRow) => ({ id: n.id, code: n.code, name: n.name });

export async function listNetworks(ctx: ServiceContext) {
  return (await repo.listNetworks(ctx.db)).map(toNetwork);
}

export async function createNetwork(ctx: ServiceContext, input: { code: string; name: string }) {
  requireSecretariat(ctx.actor);
  return withTx(ctx, async (tx) => {
    if (await repo.findNetworkByCode(tx.db, input.code))
      throw new ConflictError(`Network ${input.code} already exists.`);
    let network: repo.NetworkRow;
    try {
      network = await repo.insertNetwork(tx.db, input);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`Network ${input.code} already exists.`);
      throw err;
    }
    await recordAudit(tx, {
      action: 'network.created',
      entityType: 'network',
      entityId: network.id,
      summary: { after: toNetwork(network) },
    });
    return toNetwork(network);
  });
}

/** Resolves network codes to ids; an unknown code is a validation error on `path`. */
export async function resolveNetworkCodes(
  ctx: Pick<ServiceContext, 'db'>,
  codes: string[],
  path = 'networks',
): Promise<repo.NetworkRow[]> {
  const unique = [...new Set(codes.map((c) => c.toLowerCase()))];
  const found = await repo.findNetworksByCodes(ctx.db, unique);
  const missing = unique.filter((c) => !found.some((n) => n.code.toLowerCase() === c));
  if (missing.length > 0) {
    throw new ValidationError(`Unknown network code(s): ${missing.join(', ')}.`, [
      { path, message: `unknown network code(s): ${missing.join(', ')}` },
    ]);
  }
  return found;
}
