# The two commands of the README, and the set-up both share. Everything a fresh clone needs is
# installed from here: npm packages (including Node 26 itself) and the Go-built test-bed tools.
.PHONY: setup system-deps tools test demo check unit unit-oldest clean-tools test-pivot-matrix

# npm ci only when the lockfile changed since the last install.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# Builds what is missing (cold: ~26 min on 2 cores; warm: seconds); see tools/README.md.
tools: node_modules/.installed
	tools/build

# Debian packages the integration tests use (the node's bootstrap script runs with curl and openssl
# in an unshare'd namespace; the link test puts the child in its own network namespace with ip);
# installed only when missing.
system-deps:
	@missing=""; for c in curl:curl openssl:openssl unshare:util-linux ip:iproute2 /usr/sbin/sshd:openssh-server; do \
	  command -v $${c%%:*} >/dev/null 2>&1 || missing="$$missing $${c#*:}"; done; \
	if [ -n "$$missing" ]; then echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

setup: system-deps node_modules/.installed tools

# jest's arguments for the unit tests alone (no cluster, no tools).
UNIT_ARGS := --ci --testPathIgnorePatterns /test/integration/

# The oldest Node the library declares (package.json engines), pinned with its own lockfile.
NODE_OLDEST := tools/node-oldest/node_modules/node/bin/node
tools/node-oldest/node_modules/.installed: tools/node-oldest/package.json tools/node-oldest/package-lock.json
	npm ci --prefix tools/node-oldest --no-audit --no-fund
	@touch $@

# Static checks (types, lint, format), then every test: unit tests and integration tests (real engine, real API servers)
# on the project's Node, then the unit tests once more on the oldest Node the library supports.
test: setup
	npm run --silent typecheck
	npm run --silent lint
	npm run --silent format:check
	npm run --silent jest -- --ci
	$(MAKE) --no-print-directory unit-oldest

# Unit tests on the oldest supported Node (~40 s): what a Node 22 stack imports must run there.
unit-oldest: node_modules/.installed tools/node-oldest/node_modules/.installed
	@echo "unit tests on $$($(NODE_OLDEST) --version) (the oldest Node in package.json engines)"
	$(NODE_OLDEST) node_modules/jest/bin/jest.js $(UNIT_ARGS)

# The pivot's full crash matrix: the mover stopped before and after each of its M mutating requests
# (M ≈ 130 for its 27-object fixture), invariants checked, one re-run compared with clusterctl move (≈ 260
# trials; see README for the time). `make test` runs a seeded
# sample of it (every phase boundary + 10 random points; PIVOT_MATRIX_SEED replays one).
test-pivot-matrix: setup
	PIVOT_MATRIX=full npm run --silent jest -- --ci test/integration/pivot/crash-matrix.test.ts

# Unit tests only (no tools needed): the fast loop while editing.
unit: node_modules/.installed
	npm run --silent jest -- $(UNIT_ARGS)

# The main job on an embedded default: a local control plane, the dev stack of infra/ through the
# engine, and a summary of what exists.
demo: setup
	TS_NODE_PROJECT=tsconfig.json node_modules/node/bin/node -r ./node_modules/ts-node/register scripts/demo.ts $(ARGS)

clean-tools:
	rm -rf .tools
