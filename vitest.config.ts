import { defineConfig } from 'vitest/config'

// The chaos suite (tests/chaos, `npm run test:chaos`) runs for ~25 minutes: it exists as a
// project only when asked for, so a plain `vitest run` (npm test) never picks it up.
const chaos = process.env.MIMAMORI_CHAOS === '1'

export default defineConfig({
  test: {
    reporters: [
      'default',
      ['json', { outputFile: chaos ? 'test-results/chaos.json' : 'test-results/vitest.json' }],
    ],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{firmware-contracts,broker,ingest,dashboard,gateway,simulators,cli}/**/*.test.ts'],
          exclude: ['**/node_modules/**'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/**/*.test.ts'],
          exclude: ['**/node_modules/**', 'tests/chaos/**'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      ...(chaos
        ? [
            {
              test: {
                name: 'chaos',
                include: ['tests/chaos/**/*.test.ts'],
                globalSetup: ['tests/chaos/helpers/global-setup.ts'],
                // one case at a time: each one loads the 2-core machine on purpose
                fileParallelism: false,
                testTimeout: 1_800_000,
                hookTimeout: 180_000,
              },
            },
          ]
        : []),
    ],
  },
})
