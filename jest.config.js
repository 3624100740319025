// Unit tests sit next to the code (*.test.ts); integration tests (real engine, real API servers)
// live in test/integration. Both run in `make test`. swc transpiles (type checking is `tsc`'s job,
// run separately by `make test`).
//
// Property tests draw a random seed per run, printed here; LATTICE_PROPERTY_SEED=<seed> replays a
// run (test/harness/property-seed.ts hands it to fast-check in every test file).
if (process.env.LATTICE_PROPERTY_SEED === undefined)
  process.env.LATTICE_PROPERTY_SEED = String(require("node:crypto").randomInt(2 ** 31 - 1));
process.stderr.write(
  `property tests: seed ${process.env.LATTICE_PROPERTY_SEED} (replay with LATTICE_PROPERTY_SEED=${process.env.LATTICE_PROPERTY_SEED})\n`,
);

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" } }] },
  testMatch: ["<rootDir>/**/*.test.ts"],
  setupFiles: ["<rootDir>/test/harness/property-seed.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/dist/", "/.tools/"],
  modulePathIgnorePatterns: ["<rootDir>/dist/", "<rootDir>/.tools/"],
  watchPathIgnorePatterns: ["<rootDir>/.tools/", "<rootDir>/.pulumi-state/"],
};
