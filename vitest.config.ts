import { defineConfig } from 'vitest/config';

// One config for every project: `nx test <project>` runs `vitest run --dir <projectRoot>`.
export default defineConfig({
  test: {
    include: ['**/{src,test}/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    passWithNoTests: false,
  },
});
