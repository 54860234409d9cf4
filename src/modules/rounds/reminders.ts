import type { Db } from '../../db/client.js';
import { findPledge, findVersionById } from '../pledges/index.js';
import { remindSilentNetwork } from './rounds.mail.js';
import * as repo from './rounds.repository.js';

export const REMINDER_WINDOW_MS = 48 * 3_600_000;

/**
 * Reminds the networks that have not answered, 48 hours before a round's deadline. Safe to run
 * often and on every instance: each reminder has a dedupe key, so it is queued once.
 */
export async function queueDeadlineReminders(db: Db, baseUrl: string, now = new Date()): Promise<number> {
  const due = await repo.silentNetworksNearDeadline(db, now, REMINDER_WINDOW_MS);
  for (const item of due) {
    const version = await findVersionById(db, item.versionId);
    const pledge = version ? await findPledge(db, version.pledgeId) : undefined;
    if (!version || !pledge) continue;
    await remindSilentNetwork(
      { db },
      {
        roundId: item.roundId,
        pledgeTitle: pledge.title,
        versionNumber: version.number,
        deadline: item.deadline,
        baseUrl,
      },
      item.networkId,
    );
  }
  return due.length;
}
