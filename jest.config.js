/**
 * Four tiers, one jest run (`npm test`, what CI runs) or one at a time; a test's folder is its tier:
 * - unit (`npm run test:unit`): no Temporal server — pure logic, platform adapters and the sandbox over HTTP;
 *   test/unit/<code folder>/ mirrors the code it tests, test/sandbox/ tests the fake platforms themselves;
 * - workflow (`npm run test:workflow`, test/workflow/): the real workflows on the time-skipping server with
 *   activities replaced by scripted functions — schedules, backoff and recovery in milliseconds;
 * - integration (`npm run test:integration`, test/integration/): dev server + worker + gateway + sandbox,
 *   end to end;
 * - replay (test/replay/): the recorded histories of test/replay/histories/ replayed with the current
 *   workflow code, no server (docs/changing-workflows.md).
 * Shared helpers live in test/harness/, the probe workflows the test bundle adds in test/workflows/.
 * One file: `npx jest --maxWorkers=1 <path>` (its tier follows from the path). Not `npm run test:unit
 * -- <path>`: `--selectProjects` takes every value after it, so the path would be read as a project.
 */
const shared = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
};

/** @type {import('jest').Config} */
module.exports = {
  // A global option: jest-circus ignores a project's own testTimeout.
  testTimeout: 60_000,
  // Two cores: more workers only fight over them, and each integration file starts its own servers.
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/harness/summary-reporter.js'],
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts', '<rootDir>/test/sandbox/**/*.test.ts'],
    },
    {
      ...shared,
      displayName: 'workflow',
      testMatch: ['<rootDir>/test/workflow/**/*.test.ts'],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
    },
    {
      ...shared,
      displayName: 'replay',
      testMatch: ['<rootDir>/test/replay/**/*.test.ts'],
    },
  ],
};
