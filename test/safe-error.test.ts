import { describe, expect, it } from 'vitest';
import { safeErrorSerializer } from '../src/lib/safe-error.js';

describe('the error log serializer', () => {
  it('removes the parameters that drizzle puts in a failed query’s message and stack', () => {
    const cause = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });
    const err = new Error(
      'Failed query: insert into "users" ("email", "password_hash") values ($1, $2)\n' +
        'params: a@b.org,$argon2id$v=19$m=19456$secret',
      { cause },
    );
    err.stack = `DrizzleQueryError: ${err.message}\n    at PgDialect.run (file.js:1:1)`;
    const logged = JSON.stringify(safeErrorSerializer(err));
    expect(logged).not.toContain('argon2id');
    expect(logged).not.toContain('a@b.org');
    expect(logged).toContain('insert into');
    expect(logged).toContain('22021');
    expect(logged).toContain('PgDialect.run');
  });
});
