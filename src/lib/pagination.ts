import { z } from 'zod';
import { ValidationError } from './errors.js';

export const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(500).optional(),
});

/** Cursors are opaque to clients: base64url of the last row's sort key. */
export function encodeCursor(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined, shape: z.ZodType<unknown[]>): unknown[] | undefined {
  if (!cursor) return undefined;
  try {
    return shape.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new ValidationError('Invalid cursor.', [{ path: 'cursor', message: 'is not a cursor this list gave out' }]);
  }
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Callers fetch limit + 1 rows; the extra one only tells whether there is a next page. */
export function toPage<R, T>(rows: R[], limit: number, map: (row: R) => T, keyOf: (row: R) => unknown[]): Page<T> {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return { items: pageRows.map(map), nextCursor: hasMore && last ? encodeCursor(keyOf(last)) : null };
}

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

/**
 * Pages a list that is small by nature (the pledges, a round's comments, an endorsement's
 * progress) after reading it whole, with the same `limit`/`cursor` contract as every list.
 */
export function pageArray<T>(items: T[], q: { limit: number; cursor?: string }, idOf: (item: T) => string): Page<T> {
  let start = 0;
  if (q.cursor) {
    const [after] = decodeCursor(q.cursor, z.tuple([z.string().max(100)])) as [string];
    const index = items.findIndex((item) => idOf(item) === after);
    if (index < 0)
      throw new ValidationError('Invalid cursor.', [{ path: 'cursor', message: 'is not a cursor this list gave out' }]);
    start = index + 1;
  }
  const pageItems = items.slice(start, start + q.limit);
  const last = pageItems[pageItems.length - 1];
  return { items: pageItems, nextCursor: start + q.limit < items.length && last ? encodeCursor([idOf(last)]) : null };
}
