// Unit tests sit next to the code (*.test.ts); integration tests (real engine, real API servers)
// live in test/integration. Both run in `make test`. swc transpiles (type checking is `tsc`'s job,
// run separately by `make test`).
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" } }] },
  testMatch: ["<rootDir>/**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/dist/", "/.tools/"],
  modulePathIgnorePatterns: ["<rootDir>/dist/", "<rootDir>/.tools/"],
  watchPathIgnorePatterns: ["<rootDir>/.tools/", "<rootDir>/.pulumi-state/"],
};
