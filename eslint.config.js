// Lint: typescript-eslint's recommended rules (syntax-level, fast) plus a few that catch real bugs.
const tseslint = require("typescript-eslint");

module.exports = tseslint.config(
  { ignores: ["node_modules/", "dist/", ".tools/", "coverage/", ".pulumi-state/", ".lattice/"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-require-imports": "off", // dynamic providers load their implementation with require()
      eqeqeq: ["error", "always"],
      "no-console": "off",
    },
  },
);
