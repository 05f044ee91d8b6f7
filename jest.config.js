/** Jest in native-ESM mode (Nest 12 is ESM-only); see ../shared/TOOLCHAIN.md. */
export default {
  rootDir: '.',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  moduleNameMapper: {
    '^#supertrees$': '<rootDir>/libs/supertrees/src/index.ts',
    '^#supertrees/testing$': '<rootDir>/libs/supertrees/src/testing/index.ts',
    '^#supertrees/terminus$': '<rootDir>/libs/supertrees/src/integrations/terminus/index.ts',
    '^#supertrees/prometheus$': '<rootDir>/libs/supertrees/src/integrations/prometheus/index.ts',
    '^#supertrees/opentelemetry$': '<rootDir>/libs/supertrees/src/integrations/opentelemetry/index.ts',
    '^#supertrees/dashboard$': '<rootDir>/libs/supertrees/src/dashboard/index.ts',
    '^#supertrees/cluster$': '<rootDir>/libs/supertrees/src/cluster/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/bench/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  globalSetup: '<rootDir>/test/global-setup.js',
  reporters: ['default', '<rootDir>/test/count-reporter.js'],
  testTimeout: 60_000,
  maxWorkers: 2,
};
