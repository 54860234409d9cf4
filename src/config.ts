import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseSigningKey } from './lib/signing-key.js';
import { type DocumentSignerPem, parseDocumentSigner } from './lib/document-signer.js';
import { z } from 'zod';

/**
 * The secret used when none is configured outside production. It is public (it is in the
 * source), so production refuses it: tokens signed with it can be forged by anyone.
 */
export const DEMO_JWT_SECRET = 'demo-only-jwt-secret-do-not-use-in-production-000';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const portSchema = z.coerce.number().int().min(0).max(65535);
const milliseconds = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const firstLine = (err: unknown) => (err instanceof Error ? err.message.split('\n')[0] : 'unreadable');

/** A file named by a variable (a mounted secret), read to its contents. */
const fileContents = optionalString.transform((path, ctx) => {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `cannot be read (${firstLine(err)})` });
    return z.NEVER;
  }
});

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: portSchema.default(3000),
    HOST: z.string().trim().min(1).default('0.0.0.0'),
    DATABASE_URL: optionalString.pipe(
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
        .optional(),
    ),
    PGLITE_DIR: z.string().trim().min(1).default('./data/pglite'),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(20),
    DATABASE_STATEMENT_TIMEOUT_MS: milliseconds(100, 600_000).default(5_000),
    DATABASE_CONNECT_TIMEOUT_MS: milliseconds(100, 60_000).default(5_000),
    HTTP_REQUEST_TIMEOUT_MS: milliseconds(1_000, 3_600_000).default(60_000),
    HTTP_HEADERS_TIMEOUT_MS: milliseconds(500, 120_000).default(10_000),
    HTTP_KEEP_ALIVE_TIMEOUT_MS: milliseconds(100, 600_000).default(65_000),
    HTTP_IDLE_TIMEOUT_MS: milliseconds(1_000, 3_600_000).default(30_000),
    SHUTDOWN_GRACE_MS: milliseconds(0, 600_000).default(10_000),
    JWT_SECRET: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
    ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(900),
    REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
    INVITATION_TTL_DAYS: z.coerce.number().int().min(1).max(60).default(7),
    WEB_SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(720).default(12),
    PUBLIC_BASE_URL: z.url({ protocol: /^https?$/ }).default('http://localhost:3000'),
    CERT_SIGNING_KEY: optionalString.pipe(
      z.string().includes('PRIVATE KEY', { message: 'must be a PEM-encoded Ed25519 private key' }).optional(),
    ),
    /** The same key in a file (a Docker or Kubernetes secret), read at start-up. */
    CERT_SIGNING_KEY_FILE: fileContents,
    /** The X.509 certificate that signs the PDFs (then any that issued it), and its key; or their files. */
    CERT_SIGNING_CERT: optionalString.pipe(
      z.string().includes('BEGIN CERTIFICATE', { message: 'must be a PEM-encoded X.509 certificate' }).optional(),
    ),
    CERT_SIGNING_CERT_FILE: fileContents,
    CERT_SIGNING_CERT_KEY: optionalString.pipe(
      z.string().includes('PRIVATE KEY', { message: 'must be a PEM-encoded private key' }).optional(),
    ),
    CERT_SIGNING_CERT_KEY_FILE: fileContents,
    SMTP_URL: optionalString.pipe(
      z
        .string()
        .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
        .optional(),
    ),
    MAIL_FROM: z.string().trim().min(3).default('Action Pledge <no-reply@localhost>'),
    SMTP_POOL_SIZE: z.coerce.number().int().min(1).max(50).default(5),
    SMTP_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(120_000).default(10_000),
    SMTP_SEND_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(600_000).default(60_000),
    LOG_LEVEL: z.enum(logLevels).default('info'),
    PUBLIC_CACHE_MS: z.coerce.number().int().min(0).max(300_000).default(1_000),
    // A core for the event loop and the database, the others for PDFs and workbooks (one on two cores).
    WORKER_THREADS: z.coerce
      .number()
      .int()
      .min(1)
      .max(64)
      .default(() => Math.max(1, availableParallelism() - 1)),
    WORKER_QUEUE: z.coerce.number().int().min(0).max(10_000).default(16),
    CORS_ORIGINS: optionalString,
    TRUST_PROXY: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
  })
  .superRefine((env, ctx) => {
    if (env.HTTP_HEADERS_TIMEOUT_MS > env.HTTP_REQUEST_TIMEOUT_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['HTTP_HEADERS_TIMEOUT_MS'],
        message: 'must not be longer than HTTP_REQUEST_TIMEOUT_MS (the headers are part of the request)',
      });
    }
    for (const variable of ['CERT_SIGNING_KEY', 'CERT_SIGNING_KEY_FILE'] as const) {
      const pem = env[variable];
      if (pem === undefined) continue;
      try {
        parseSigningKey(pem);
      } catch (err) {
        ctx.addIssue({
          code: 'custom',
          path: [variable],
          message: `must be a PEM-encoded Ed25519 private key (${firstLine(err)})`,
        });
      }
    }
    // Connecting is part of sending a message: a longer connect timeout would never be reached.
    if (env.SMTP_CONNECT_TIMEOUT_MS > env.SMTP_SEND_TIMEOUT_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['SMTP_CONNECT_TIMEOUT_MS'],
        message: `must not be longer than SMTP_SEND_TIMEOUT_MS (${env.SMTP_SEND_TIMEOUT_MS})`,
      });
    }
    if (env.CERT_SIGNING_KEY !== undefined && env.CERT_SIGNING_KEY_FILE !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['CERT_SIGNING_KEY_FILE'],
        message: 'must not be set together with CERT_SIGNING_KEY (which key would sign?)',
      });
    }
    checkDocumentSigner(env, ctx);
    if (env.NODE_ENV !== 'production') return;
    // Without a configured key the service generates one and keeps its private half in the
    // database in plain text: whoever reads a backup could sign certificates. Fine for a demo.
    if (env.CERT_SIGNING_KEY === undefined && env.CERT_SIGNING_KEY_FILE === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['CERT_SIGNING_KEY'],
        message: 'is required when NODE_ENV=production (the key in PEM, or its file in CERT_SIGNING_KEY_FILE)',
      });
    }
    // Likewise the PDF signer: a generated one would sign with a key kept in the database.
    if (documentSignerOf(env) === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['CERT_SIGNING_CERT'],
        message:
          'is required when NODE_ENV=production, with CERT_SIGNING_CERT_KEY (the PDF signing certificate and ' +
          'its key in PEM, or their files in CERT_SIGNING_CERT_FILE and CERT_SIGNING_CERT_KEY_FILE)',
      });
    }
    if (!env.JWT_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_SECRET'],
        message: 'is required when NODE_ENV=production',
      });
    } else if (env.JWT_SECRET === DEMO_JWT_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_SECRET'],
        message: 'must not be the demo secret when NODE_ENV=production',
      });
    }
  });

/** The PDF signer's variables, as read (a file's contents in place of its name). */
type SignerEnv = Partial<
  Record<
    'CERT_SIGNING_CERT' | 'CERT_SIGNING_CERT_FILE' | 'CERT_SIGNING_CERT_KEY' | 'CERT_SIGNING_CERT_KEY_FILE',
    string
  >
>;

/** The PDF signer as configured, each half from its variable or its file; undefined when neither is set. */
function documentSignerOf(env: SignerEnv): DocumentSignerPem | undefined {
  const certificatePem = env.CERT_SIGNING_CERT ?? env.CERT_SIGNING_CERT_FILE;
  const privateKeyPem = env.CERT_SIGNING_CERT_KEY ?? env.CERT_SIGNING_CERT_KEY_FILE;
  return certificatePem && privateKeyPem ? { certificatePem, privateKeyPem } : undefined;
}

/** Both halves or neither, each from one place, and a certificate and key that belong together. */
function checkDocumentSigner(env: SignerEnv, ctx: z.RefinementCtx) {
  const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  for (const variable of ['CERT_SIGNING_CERT', 'CERT_SIGNING_CERT_KEY'] as const) {
    if (env[variable] !== undefined && env[`${variable}_FILE`] !== undefined)
      problem(`${variable}_FILE`, `must not be set together with ${variable} (which one would sign?)`);
  }
  const hasCertificate = env.CERT_SIGNING_CERT !== undefined || env.CERT_SIGNING_CERT_FILE !== undefined;
  const hasKey = env.CERT_SIGNING_CERT_KEY !== undefined || env.CERT_SIGNING_CERT_KEY_FILE !== undefined;
  if (hasCertificate && !hasKey)
    problem('CERT_SIGNING_CERT_KEY', 'is required with CERT_SIGNING_CERT (its private key)');
  if (hasKey && !hasCertificate)
    problem('CERT_SIGNING_CERT', 'is required with CERT_SIGNING_CERT_KEY (its certificate)');
  const signer = documentSignerOf(env);
  if (!signer) return;
  try {
    parseDocumentSigner(signer);
  } catch (err) {
    problem('CERT_SIGNING_CERT', `and its key cannot sign PDFs: ${firstLine(err)}`);
  }
}

export type Env = z.input<typeof envSchema>;

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  database: {
    url?: string;
    pgliteDir: string;
    poolSize: number;
    /** A statement taking longer is cancelled; a server that does not answer at all, a little later. */
    statementTimeoutMs: number;
    /** How long to wait for a connection, new or from the pool. */
    connectTimeoutMs: number;
  };
  http: {
    /** The whole request, body included, must arrive within this. */
    requestTimeoutMs: number;
    /** The request's headers must arrive within this. */
    headersTimeoutMs: number;
    /** An idle keep-alive connection is closed after this. */
    keepAliveTimeoutMs: number;
    /** A connection on which nothing moves either way for this long is closed. */
    idleTimeoutMs: number;
  };
  /** On SIGTERM, how long requests in flight may take to finish before their connections are cut. */
  shutdownGraceMs: number;
  auth: {
    jwtSecret: string;
    accessTokenTtlSeconds: number;
    refreshTokenTtlDays: number;
    invitationTtlDays: number;
    /** How long a portal session lasts from sign-in. */
    webSessionTtlHours: number;
  };
  publicBaseUrl: string;
  /** From CERT_SIGNING_KEY or CERT_SIGNING_KEY_FILE; absent (never in production): generated into the database. */
  certSigningKey?: string;
  /** The certificate that signs certificate PDFs and its key; absent (never in production): generated. */
  documentSigner?: DocumentSignerPem;
  mail: {
    smtpUrl?: string;
    from: string;
    /** SMTP connections an instance keeps open, and so the messages it has in flight at once. */
    poolSize: number;
    /** How long connecting and the server's greeting may take. */
    connectTimeoutMs: number;
    /** The longest one message may take, connecting included; then it is abandoned and retried later. */
    sendTimeoutMs: number;
  };
  logLevel: (typeof logLevels)[number];
  corsOrigins: string[];
  trustProxy: boolean;
  /** How long a public page may be served from memory (0: never). */
  publicCacheMs: number;
  /** The threads that render PDFs and write workbooks, and how many tasks may wait for them. */
  workers: { threads: number; queue: number };
  /** True when demo data with publicly known passwords may be seeded. */
  allowDemoData: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the environment once; a bad value names its variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // A variable set to an empty (or blank) string counts as absent, so that `PORT=` in a compose
  // file or an .env template gives the default instead of port 0 or a confusing error.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''),
  );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${String(issue.path[0] ?? 'environment')} ${issue.message}`),
    );
  }
  const e = parsed.data;
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    database: {
      url: e.DATABASE_URL,
      pgliteDir: e.PGLITE_DIR,
      poolSize: e.DATABASE_POOL_SIZE,
      statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
      connectTimeoutMs: e.DATABASE_CONNECT_TIMEOUT_MS,
    },
    http: {
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      idleTimeoutMs: e.HTTP_IDLE_TIMEOUT_MS,
    },
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    auth: {
      jwtSecret: e.JWT_SECRET ?? DEMO_JWT_SECRET,
      accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlDays: e.REFRESH_TOKEN_TTL_DAYS,
      invitationTtlDays: e.INVITATION_TTL_DAYS,
      webSessionTtlHours: e.WEB_SESSION_TTL_HOURS,
    },
    publicBaseUrl: e.PUBLIC_BASE_URL.replace(/\/+$/, ''),
    certSigningKey: e.CERT_SIGNING_KEY ?? e.CERT_SIGNING_KEY_FILE,
    documentSigner: documentSignerOf(e),
    mail: {
      smtpUrl: e.SMTP_URL,
      from: e.MAIL_FROM,
      poolSize: e.SMTP_POOL_SIZE,
      connectTimeoutMs: e.SMTP_CONNECT_TIMEOUT_MS,
      sendTimeoutMs: e.SMTP_SEND_TIMEOUT_MS,
    },
    logLevel: e.LOG_LEVEL,
    corsOrigins: (e.CORS_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    trustProxy: e.TRUST_PROXY,
    publicCacheMs: e.PUBLIC_CACHE_MS,
    workers: { threads: e.WORKER_THREADS, queue: e.WORKER_QUEUE },
    allowDemoData: e.NODE_ENV !== 'production',
  };
}
