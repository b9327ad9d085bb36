import { defineConfig } from 'vitest/config';

// npm run fuzz: the long fuzz run only (test/fuzz/*.fuzz.ts), never part of `vitest run`.
export default defineConfig({
  test: {
    include: ['test/fuzz/**/*.fuzz.ts'],
    testTimeout: 4 * 60 * 60 * 1000,
    pool: 'forks',
  },
});
