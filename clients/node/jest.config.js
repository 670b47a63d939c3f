// The package's own tests: real redis-server processes and a DNS server on 127.0.0.0/8 (see test/lab.ts).
// Run from the repository root: npx jest -c clients/node/jest.config.js
module.exports = {
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 60_000,
  moduleNameMapper: { '^redis-stable-readers$': '<rootDir>/src' },
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }] },
};
