import { defineConfig } from 'drizzle-kit';

// `npx nx run db:db-generate` diffs src/schema.ts against the last snapshot in
// migrations/meta and writes the next SQL file. What drizzle-kit cannot express
// (extensions, exclusion constraints) lives in `--custom` migrations.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema.ts',
  out: './migrations',
});
