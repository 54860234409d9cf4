// Writes that nothing reads back are queued and sent together when the change ends (src/db/writes.ts).
import { eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailOutbox, networks } from '../src/db/schema/index.js';
import { inOneStatement, withTx } from '../src/db/tx.js';
import { write, writeTemplate } from '../src/db/writes.js';
import { enqueueMail } from '../src/modules/mail/outbox.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { unique } from './helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

const secondNetwork = writeTemplate<{ code: string; name: string }>('test_second_network', (db, p) =>
  db.insert(networks).values({ code: p('code'), name: p('name') }),
);

async function mailsLike(prefix: string) {
  return t.db
    .select()
    .from(mailOutbox)
    .where(like(mailOutbox.to, `${prefix}%`));
}

describe('A change that queues more writes than one statement takes', () => {
  it('writes all 40 of them', async () => {
    const prefix = unique('many-');
    await inOneStatement(t.system, async (ctx) => {
      for (let i = 0; i < 40; i++) await enqueueMail(ctx, { to: `${prefix}${i}@example.org`, subject: 's', text: 't' });
    });
    expect(await mailsLike(prefix)).toHaveLength(40);
  });

  it('writes none of them when the last one fails, in a transaction or not', async () => {
    for (const run of [inOneStatement, withTx]) {
      const prefix = unique('none-');
      await expect(
        run(t.system, async (ctx) => {
          for (let i = 0; i < 40; i++) {
            await enqueueMail(ctx, { to: `${prefix}${i}@example.org`, subject: 's', text: 't' });
          }
          // MMC exists from the first migration: this last write fails, and every mail goes with it.
          await write(ctx, secondNetwork, { code: 'MMC', name: 'A second MMC' });
        }),
      ).rejects.toThrow();
      expect(await mailsLike(prefix)).toEqual([]);
    }
    expect(await t.db.select().from(networks).where(eq(networks.name, 'A second MMC'))).toEqual([]);
  });
});
