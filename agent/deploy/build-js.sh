#!/bin/sh
# Compile the CLI (and with it the cell and the agent) to plain JavaScript for running without
# ts-node — what the image runs (Dockerfile) and what bench:link measures. Type checking is
# `npm run typecheck`'s job; this only emits (tsc --noCheck). Usage: build-js.sh OUT_DIR [extra.ts...]
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:?usage: build-js.sh OUT_DIR [extra entry points]}
shift
cd "$ROOT"
# The bootstrap endpoint's worker thread is loaded by path, not imported: name it as an entry.
"$ROOT/node_modules/.bin/tsc" cli/main.ts agent/cell/bootstrap-worker.ts "$@" --outDir "$OUT" --rootDir "$ROOT" --noCheck --module commonjs --target es2022 \
  --moduleResolution node10 --esModuleInterop --resolveJsonModule --skipLibCheck --sourceMap false --declaration false
# Files read at run time, next to the code that reads them (paths are relative to __dirname).
mkdir -p "$OUT/proto" "$OUT/agent/deploy/crds"
cp proto/agent.proto "$OUT/proto/"
cp agent/deploy/crds/*.yaml "$OUT/agent/deploy/crds/"
