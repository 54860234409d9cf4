import { defineConfig } from 'drizzle-kit';

// Migrations are generated from src/db/schema (npm run db:generate) and applied by src/db/migrate.ts.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema/index.ts',
  out: './migrations',
});
