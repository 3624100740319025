#!/usr/bin/env node
// Builds the published package: a clean dist/ from tsconfig.build.json (`npm run build`).
//
// With --when-packing (the `prepare` script) it builds only when npm is packing the package. npm
// runs `prepare` for `npm pack` and `npm publish`, when a program installs the package from git (in
// a clone, after installing its devDependencies), and also on a plain `npm ci` / `npm install` in
// the repository, where dist/ is not needed (tests build it when they need it). npm's packer sets
// npm_package_resolved to the directory it packs; a plain install of this directory does not.
"use strict";
const { spawnSync } = require("node:child_process");
const { rmSync } = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");

function packing(env) {
  if (env.npm_package_resolved) return true;
  return !["ci", "install"].includes(env.npm_command ?? "");
}

if (process.argv.includes("--when-packing") && !packing(process.env)) {
  console.log("prepare: the repository's own install; dist/ is built by `npm run build` (or by packing)");
  process.exit(0);
}

// A clean build: files of an earlier build (or of modules since removed) never reach the tarball.
rmSync(path.join(ROOT, "dist"), { recursive: true, force: true });
const tsc = require.resolve("typescript/bin/tsc", { paths: [ROOT] });
const r = spawnSync(process.execPath, [tsc, "-p", path.join(ROOT, "tsconfig.build.json")], { stdio: "inherit" });
if (r.status !== 0) {
  console.error(`build: tsc -p tsconfig.build.json failed (exit ${r.status ?? r.signal})`);
  process.exit(1);
}
