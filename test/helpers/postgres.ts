/** The PostgreSQL server the suite runs against, or undefined for the embedded PGlite run. */
export function postgresTestUrl(): string | undefined {
  const url = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  return url && url.trim() !== '' ? url : undefined;
}

/** The same server, another database. */
export function adminUrlFor(baseUrl: string, database: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
