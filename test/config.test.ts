import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEMO_JWT_SECRET, loadConfig } from '../src/config.js';
import { generateDocumentSigner } from '../src/modules/certificates/signing-certificates.js';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));
const GOOD_SECRET = 'a-production-secret-that-is-long-enough-0123456789';
const pemOf = (type: 'ed25519' | 'x25519') =>
  generateKeyPairSync(type as 'ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
const SIGNING_KEY = pemOf('ed25519');
// Read trimmed, from the variable as from a file.
const SIGNING_KEY_READ = SIGNING_KEY.trim();
const DOCUMENT_SIGNER = generateDocumentSigner();
/** The PDF signing certificate and its key, which production requires too. */
const SIGNER_ENV = {
  CERT_SIGNING_CERT: DOCUMENT_SIGNER.certificatePem,
  CERT_SIGNING_CERT_KEY: DOCUMENT_SIGNER.privateKeyPem,
};

/** Runs loadConfig expecting a ConfigError, and returns it. */
function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

/** The error names the variable both in its problems and in the message the server prints. */
function expectNamed(err: ConfigError, variable: string) {
  expect(err.name).toBe('ConfigError');
  expect(
    err.problems.some((p) => p.startsWith(`${variable} `)),
    err.problems.join('; '),
  ).toBe(true);
  expect(err.message).toContain(variable);
}

describe('loadConfig defaults', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.env).toBe('development');
    expect(config.port).toBe(3000);
    expect(config.host).toBe('0.0.0.0');
    expect(config.database.url).toBeUndefined();
    expect(config.database.pgliteDir).toBe('./data/pglite');
    expect(config.auth.accessTokenTtlSeconds).toBe(900);
    expect(config.auth.jwtSecret).toBe(DEMO_JWT_SECRET);
    expect(config.publicBaseUrl).toBe('http://localhost:3000');
    expect(config.mail).toEqual({
      smtpUrl: undefined,
      from: 'Action Pledge <no-reply@localhost>',
      poolSize: 5,
      connectTimeoutMs: 10_000,
      sendTimeoutMs: 60_000,
    });
    expect(config.certSigningKey).toBeUndefined();
    expect(config.logLevel).toBe('info');
    expect(config.corsOrigins).toEqual([]);
    expect(config.trustProxy).toBe(false);
    expect(config.allowDemoData).toBe(true);
    expect(config.database.statementTimeoutMs).toBe(5_000);
    expect(config.database.connectTimeoutMs).toBe(5_000);
    expect(config.http).toEqual({
      requestTimeoutMs: 60_000,
      headersTimeoutMs: 10_000,
      keepAliveTimeoutMs: 65_000,
      idleTimeoutMs: 30_000,
    });
    expect(config.shutdownGraceMs).toBe(10_000);
  });

  it('reads the timeouts and the shutdown grace', () => {
    const config = loadConfig({
      DATABASE_STATEMENT_TIMEOUT_MS: '2500',
      DATABASE_CONNECT_TIMEOUT_MS: '1500',
      HTTP_REQUEST_TIMEOUT_MS: '120000',
      HTTP_HEADERS_TIMEOUT_MS: '5000',
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '10000',
      HTTP_IDLE_TIMEOUT_MS: '20000',
      SHUTDOWN_GRACE_MS: '0',
    });
    expect(config.database).toMatchObject({ statementTimeoutMs: 2_500, connectTimeoutMs: 1_500 });
    expect(config.http).toEqual({
      requestTimeoutMs: 120_000,
      headersTimeoutMs: 5_000,
      keepAliveTimeoutMs: 10_000,
      idleTimeoutMs: 20_000,
    });
    expect(config.shutdownGraceMs).toBe(0);
  });

  it('gives the worker pool a thread per core but one (at least one), and a queue of 16', () => {
    expect(loadConfig({}).workers).toEqual({ threads: Math.max(1, availableParallelism() - 1), queue: 16 });
    expect(loadConfig({ WORKER_THREADS: '3', WORKER_QUEUE: '0' }).workers).toEqual({ threads: 3, queue: 0 });
  });

  it('reads good values', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '127.0.0.1',
      DATABASE_URL: 'postgresql://app@db.internal:5432/pledge',
      PGLITE_DIR: '/var/lib/pledge',
      JWT_SECRET: GOOD_SECRET,
      ACCESS_TOKEN_TTL_SECONDS: '600',
      PUBLIC_BASE_URL: 'https://pledge.example.org/',
      SMTP_URL: 'smtps://user:pass@mail.example.org',
      LOG_LEVEL: 'warn',
      CORS_ORIGINS: 'https://a.example.org, https://b.example.org',
      TRUST_PROXY: 'true',
      SMTP_POOL_SIZE: '12',
      SMTP_CONNECT_TIMEOUT_MS: '5000',
      SMTP_SEND_TIMEOUT_MS: '20000',
    });
    expect(config.port).toBe(8080);
    expect(config.host).toBe('127.0.0.1');
    expect(config.database.url).toBe('postgresql://app@db.internal:5432/pledge');
    expect(config.database.pgliteDir).toBe('/var/lib/pledge');
    expect(config.auth.jwtSecret).toBe(GOOD_SECRET);
    expect(config.auth.accessTokenTtlSeconds).toBe(600);
    expect(config.publicBaseUrl).toBe('https://pledge.example.org');
    expect(config.mail).toMatchObject({
      smtpUrl: 'smtps://user:pass@mail.example.org',
      poolSize: 12,
      connectTimeoutMs: 5_000,
      sendTimeoutMs: 20_000,
    });
    expect(config.logLevel).toBe('warn');
    expect(config.corsOrigins).toEqual(['https://a.example.org', 'https://b.example.org']);
    expect(config.trustProxy).toBe(true);
  });

  it('accepts postgres:// as well as postgresql:// URLs', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }).database.url).toBe('postgres://u@h/db');
  });

  it('counts empty-string variables as absent', () => {
    const config = loadConfig({
      NODE_ENV: '',
      PORT: '',
      HOST: '',
      DATABASE_URL: '',
      PGLITE_DIR: '',
      JWT_SECRET: '',
      ACCESS_TOKEN_TTL_SECONDS: '',
      PUBLIC_BASE_URL: '',
      CERT_SIGNING_KEY: '',
      SMTP_URL: '',
      MAIL_FROM: '',
      LOG_LEVEL: '',
      CORS_ORIGINS: '',
      TRUST_PROXY: '',
      SMTP_POOL_SIZE: '',
      SMTP_CONNECT_TIMEOUT_MS: '',
      SMTP_SEND_TIMEOUT_MS: '',
      WORKER_THREADS: '',
      WORKER_QUEUE: '',
    });
    expect(config).toEqual(loadConfig({}));
    expect(config.port).toBe(3000);
    expect(config.database.url).toBeUndefined();
  });

  it('counts blank (whitespace-only) variables as absent too', () => {
    expect(loadConfig({ PORT: '  ', DATABASE_URL: ' ', LOG_LEVEL: '\t' })).toEqual(loadConfig({}));
  });

  it('treats undefined entries like missing ones', () => {
    expect(loadConfig({ PORT: undefined, JWT_SECRET: undefined })).toEqual(loadConfig({}));
  });
});

describe('loadConfig rejects bad values, naming the variable', () => {
  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['JWT_SECRET', 'short'],
    ['JWT_SECRET', 'x'.repeat(31)],
    ['DATABASE_URL', 'mysql://x'],
    ['DATABASE_URL', 'not a url'],
    ['LOG_LEVEL', 'verbose'],
    ['PUBLIC_BASE_URL', 'not a url'],
    ['PUBLIC_BASE_URL', 'ftp://files.example.org'],
    ['SMTP_URL', 'http://mail.example.org'],
    ['NODE_ENV', 'staging'],
    ['ACCESS_TOKEN_TTL_SECONDS', '5'],
    ['TRUST_PROXY', 'yes'],
    ['DATABASE_STATEMENT_TIMEOUT_MS', '10'],
    ['DATABASE_CONNECT_TIMEOUT_MS', 'soon'],
    ['HTTP_REQUEST_TIMEOUT_MS', '0'],
    ['HTTP_HEADERS_TIMEOUT_MS', '70000'],
    ['SHUTDOWN_GRACE_MS', '-1'],
    ['SMTP_POOL_SIZE', '0'],
    ['SMTP_POOL_SIZE', '2.5'],
    ['SMTP_CONNECT_TIMEOUT_MS', '999'],
    ['SMTP_SEND_TIMEOUT_MS', '999'],
    ['SMTP_SEND_TIMEOUT_MS', 'a minute'],
    ['WORKER_THREADS', '0'],
    ['WORKER_THREADS', '1.5'],
    ['WORKER_QUEUE', '-1'],
    ['WORKER_QUEUE', 'many'],
  ])('%s=%s', (variable, value) => {
    expectNamed(configError({ [variable]: value }), variable);
  });

  it('names only the bad variable, not the good ones beside it', () => {
    const err = configError({ PORT: '8080', LOG_LEVEL: 'loud', JWT_SECRET: GOOD_SECRET });
    expect(err.problems).toHaveLength(1);
    expectNamed(err, 'LOG_LEVEL');
  });

  it('reports every bad variable at once', () => {
    const err = configError({ PORT: 'abc', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' });
    expectNamed(err, 'PORT');
    expectNamed(err, 'DATABASE_URL');
    expectNamed(err, 'LOG_LEVEL');
  });

  it('refuses an SMTP connect timeout longer than the send timeout it is part of', () => {
    const err = configError({ SMTP_CONNECT_TIMEOUT_MS: '30000', SMTP_SEND_TIMEOUT_MS: '20000' });
    expect(err.problems).toEqual(['SMTP_CONNECT_TIMEOUT_MS must not be longer than SMTP_SEND_TIMEOUT_MS (20000)']);
    expect(loadConfig({ SMTP_CONNECT_TIMEOUT_MS: '20000', SMTP_SEND_TIMEOUT_MS: '20000' }).mail).toMatchObject({
      connectTimeoutMs: 20_000,
      sendTimeoutMs: 20_000,
    });
  });

  it('accepts a JWT secret of exactly 32 characters', () => {
    expect(loadConfig({ JWT_SECRET: 'x'.repeat(32) }).auth.jwtSecret).toBe('x'.repeat(32));
  });
});

describe('loadConfig in production', () => {
  it('requires JWT_SECRET', () => {
    const err = configError({ NODE_ENV: 'production' });
    expectNamed(err, 'JWT_SECRET');
    expect(err.message).toMatch(/required/);
  });

  it('requires JWT_SECRET even when it is set to an empty string', () => {
    expectNamed(configError({ NODE_ENV: 'production', JWT_SECRET: '' }), 'JWT_SECRET');
  });

  it('refuses the demo secret', () => {
    const err = configError({ NODE_ENV: 'production', JWT_SECRET: DEMO_JWT_SECRET });
    expectNamed(err, 'JWT_SECRET');
    expect(err.message).toMatch(/demo/);
  });

  it('still refuses a short secret', () => {
    expectNamed(configError({ NODE_ENV: 'production', JWT_SECRET: 'short' }), 'JWT_SECRET');
  });

  it('starts with a good secret and a signing key, without demo data', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      JWT_SECRET: GOOD_SECRET,
      CERT_SIGNING_KEY: SIGNING_KEY,
      ...SIGNER_ENV,
    });
    expect(config.env).toBe('production');
    expect(config.auth.jwtSecret).toBe(GOOD_SECRET);
    expect(config.certSigningKey).toBe(SIGNING_KEY_READ);
    expect(config.documentSigner).toEqual({
      certificatePem: DOCUMENT_SIGNER.certificatePem.trim(),
      privateKeyPem: DOCUMENT_SIGNER.privateKeyPem.trim(),
    });
    expect(config.allowDemoData).toBe(false);
  });

  it('requires a certificate signing key rather than generating one into the database', () => {
    const err = configError({ NODE_ENV: 'production', JWT_SECRET: GOOD_SECRET, ...SIGNER_ENV });
    expect(err.problems).toEqual([
      'CERT_SIGNING_KEY is required when NODE_ENV=production (the key in PEM, or its file in CERT_SIGNING_KEY_FILE)',
    ]);
    expectNamed(
      configError({ NODE_ENV: 'production', JWT_SECRET: GOOD_SECRET, CERT_SIGNING_KEY: '' }),
      'CERT_SIGNING_KEY',
    );
  });

  it('allows the demo secret and demo data outside production', () => {
    for (const NODE_ENV of ['development', 'test']) {
      const config = loadConfig({ NODE_ENV });
      expect(config.auth.jwtSecret).toBe(DEMO_JWT_SECRET);
      expect(config.allowDemoData).toBe(true);
    }
  });
});

describe('the certificate signing key from a file (CERT_SIGNING_KEY_FILE)', () => {
  /** Runs `check` with files of these contents, named as given, in a directory removed afterwards. */
  function withFiles(files: Record<string, string>, check: (path: (name: string) => string) => void) {
    const dir = mkdtempSync(join(tmpdir(), 'ap-key-test-'));
    try {
      for (const [name, contents] of Object.entries(files)) writeFileSync(join(dir, name), contents, { mode: 0o600 });
      check((name) => join(dir, name));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('reads the key from the file, in production as in development', () => {
    withFiles({ 'signing.pem': SIGNING_KEY }, (path) => {
      const env = { JWT_SECRET: GOOD_SECRET, CERT_SIGNING_KEY_FILE: path('signing.pem'), ...SIGNER_ENV };
      expect(loadConfig({ ...env, NODE_ENV: 'production' }).certSigningKey).toBe(SIGNING_KEY_READ);
      expect(loadConfig(env).certSigningKey).toBe(SIGNING_KEY_READ);
    });
  });

  it('refuses a file that cannot be read or holds no Ed25519 private key, naming the variable', () => {
    withFiles({ 'x25519.pem': pemOf('x25519'), 'garbage.pem': 'not a key', 'empty.pem': '\n' }, (path) => {
      for (const file of ['missing.pem', 'x25519.pem', 'garbage.pem', 'empty.pem']) {
        const err = configError({
          NODE_ENV: 'production',
          JWT_SECRET: GOOD_SECRET,
          CERT_SIGNING_KEY_FILE: path(file),
          ...SIGNER_ENV,
        });
        expect(err.problems, file).toHaveLength(1);
        expectNamed(err, 'CERT_SIGNING_KEY_FILE');
      }
    });
  });

  it('refuses the key both in the variable and in a file', () => {
    withFiles({ 'signing.pem': SIGNING_KEY }, (path) => {
      const err = configError({ CERT_SIGNING_KEY: SIGNING_KEY, CERT_SIGNING_KEY_FILE: path('signing.pem') });
      expect(err.problems).toEqual([
        'CERT_SIGNING_KEY_FILE must not be set together with CERT_SIGNING_KEY (which key would sign?)',
      ]);
    });
  });
});

describe('the PDF signing certificate (CERT_SIGNING_CERT and CERT_SIGNING_CERT_KEY)', () => {
  const production = { NODE_ENV: 'production', JWT_SECRET: GOOD_SECRET, CERT_SIGNING_KEY: SIGNING_KEY };

  it('is required in production rather than generated into the database', () => {
    const err = configError(production);
    expect(err.problems).toHaveLength(1);
    expectNamed(err, 'CERT_SIGNING_CERT');
    expect(err.message).toMatch(/CERT_SIGNING_CERT is required when NODE_ENV=production, with CERT_SIGNING_CERT_KEY/);
    expect(loadConfig({ NODE_ENV: 'development' }).documentSigner).toBeUndefined();
  });

  it('needs both halves, a key that is the certificate’s, and one a PDF reader accepts', () => {
    expect(configError({ CERT_SIGNING_CERT: SIGNER_ENV.CERT_SIGNING_CERT }).problems).toEqual([
      'CERT_SIGNING_CERT_KEY is required with CERT_SIGNING_CERT (its private key)',
    ]);
    expect(configError({ CERT_SIGNING_CERT_KEY: SIGNER_ENV.CERT_SIGNING_CERT_KEY }).problems).toEqual([
      'CERT_SIGNING_CERT is required with CERT_SIGNING_CERT_KEY (its certificate)',
    ]);
    const other = generateDocumentSigner();
    const mismatch = configError({ ...SIGNER_ENV, CERT_SIGNING_CERT_KEY: other.privateKeyPem });
    expect(mismatch.problems).toEqual([
      'CERT_SIGNING_CERT and its key cannot sign PDFs: ' +
        'CERT_SIGNING_CERT_KEY is not the key of the first certificate in CERT_SIGNING_CERT',
    ]);
    const ed25519 = configError({ ...SIGNER_ENV, CERT_SIGNING_CERT_KEY: SIGNING_KEY });
    expect(ed25519.problems[0]).toMatch(/must be an ECDSA P-256 or P-384 key or an RSA key of 2048 bits or more/);
    const expired = generateDocumentSigner(new Date(Date.now() - 11 * 365 * 86_400_000));
    const old = configError({
      CERT_SIGNING_CERT: expired.certificatePem,
      CERT_SIGNING_CERT_KEY: expired.privateKeyPem,
    });
    expect(old.problems[0]).toMatch(/^CERT_SIGNING_CERT and its key cannot sign PDFs: CERT_SIGNING_CERT expired on/);
    expectNamed(configError({ ...SIGNER_ENV, CERT_SIGNING_CERT: 'not a certificate' }), 'CERT_SIGNING_CERT');
  });

  it('is read from files (CERT_SIGNING_CERT_FILE, CERT_SIGNING_CERT_KEY_FILE), but not from both places', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ap-cert-test-'));
    try {
      writeFileSync(join(dir, 'cert.pem'), SIGNER_ENV.CERT_SIGNING_CERT, { mode: 0o600 });
      writeFileSync(join(dir, 'key.pem'), SIGNER_ENV.CERT_SIGNING_CERT_KEY, { mode: 0o600 });
      const files = { CERT_SIGNING_CERT_FILE: join(dir, 'cert.pem'), CERT_SIGNING_CERT_KEY_FILE: join(dir, 'key.pem') };
      expect(loadConfig({ ...production, ...files }).documentSigner?.certificatePem).toBe(
        DOCUMENT_SIGNER.certificatePem.trim(),
      );
      expect(configError({ ...SIGNER_ENV, CERT_SIGNING_CERT_FILE: files.CERT_SIGNING_CERT_FILE }).problems).toEqual([
        'CERT_SIGNING_CERT_FILE must not be set together with CERT_SIGNING_CERT (which one would sign?)',
      ]);
      expectNamed(
        configError({ ...SIGNER_ENV, CERT_SIGNING_CERT_KEY_FILE: join(dir, 'missing.pem') }),
        'CERT_SIGNING_CERT_KEY_FILE',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the server process', () => {
  it('exits non-zero, naming JWT_SECRET, when started in production without one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ap-config-test-'));
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', PGLITE_DIR: dir, LOG_LEVEL: 'silent' };
    delete env.JWT_SECRET;
    delete env.DATABASE_URL;
    delete env.TEST_DATABASE_URL;
    try {
      const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = execFile(
          'npx',
          ['tsx', 'src/server.ts'],
          { env, cwd: projectRoot, timeout: 25_000 },
          (err, _stdout, stderr) => {
            resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : child.exitCode, stderr });
          },
        );
      });
      expect(result.code).not.toBe(0);
      expect(result.code).not.toBeNull();
      expect(result.stderr).toContain('JWT_SECRET');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
