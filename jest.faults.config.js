/**
 * `npm run test:faults`: fault, fuzz and shutdown tests against Postgres,
 * Redis and app processes that each test starts on ports of its own. Not part
 * of `npm test` (they take minutes); same transforms as the e2e tier.
 */
const { projects } = require('./jest.config');
const { displayName, testMatch, ...e2e } = projects.find((p) => p.displayName === 'e2e');

module.exports = {
  ...e2e,
  displayName: 'faults',
  testMatch: ['<rootDir>/test/faults/**/*.fault-spec.ts'],
  testTimeout: 20 * 60_000,
  maxWorkers: 1,
};
