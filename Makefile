# Steward: `make run` starts the whole stack; `make test` is what CI runs.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

BIN := $(CURDIR)/bin
GO_TOOLS := $(BIN)/protoc-gen-go $(BIN)/protoc-gen-go-grpc $(BIN)/protoc-gen-grpc-gateway $(BIN)/protoc-gen-openapiv2 $(BIN)/sqlc \
  $(BIN)/mailpit # the SMTP sink `make run` starts and platform/mail/mailtest starts per test
GO_TOOLS += $(BIN)/stripe-mock # Stripe's API mock: `make run` points invoicing at it; platform/stripetest starts one per test
# Nothing below lists modules, services or stores by hand: the modules are
# go.work's, the generated stores sqlc.yaml's `out:`s, and the binaries the
# services catalog's (services/catalog, printed by steward-catalog).
MODULES := $(shell go work edit -json | sed -n 's|^[[:space:]]*"DiskPath": "\./\(.*\)"$$|\1|p')
$(if $(MODULES),,$(error no modules read from go.work))
STORES := $(shell sed -n 's/^[[:space:]]*out:[[:space:]]*//p' sqlc.yaml)
PKGS := $(addsuffix /...,$(addprefix ./,$(MODULES)))

.PHONY: help
help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 12

# --- tools: pinned in tools/go.mod (not in go.work) and npm, never taken from PATH ---
$(GO_TOOLS) &: tools/go.mod tools/go.sum
	GOWORK=off GOBIN=$(BIN) go -C tools install tool
	@touch $(GO_TOOLS)

$(BIN)/golangci-lint: tools/lint/go.mod tools/lint/go.sum
	GOWORK=off GOBIN=$(BIN) go -C tools/lint install tool
	@touch $@

# buf (prebuilt) and spectral come from npm, pinned with their whole dependency tree by
# tools/npm/package-lock.json; npm ci installs exactly that, again whenever either file changes.
NPM_TOOLS := $(BIN)/buf $(BIN)/spectral
$(NPM_TOOLS) &: tools/npm/package.json tools/npm/package-lock.json
	mkdir -p $(BIN)
	npm ci --prefix tools/npm --no-audit --no-fund --silent
	ln -sf $(CURDIR)/tools/npm/node_modules/.bin/buf $(BIN)/buf
	ln -sf $(CURDIR)/tools/npm/node_modules/.bin/spectral $(BIN)/spectral
	@touch $(NPM_TOOLS)

.PHONY: tools
tools: $(GO_TOOLS) $(NPM_TOOLS) $(BIN)/golangci-lint ## install the pinned code generators and linter into bin/

.PHONY: postgres
postgres: ## install Debian's PostgreSQL binaries if missing
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || \
	  { echo "installing PostgreSQL (Debian package)"; \
	    $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -qq && \
	    $$( [ "$$(id -u)" = 0 ] || echo sudo ) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-contrib >/dev/null; }

# --- code generation ---
.PHONY: generate
generate: $(GO_TOOLS) $(BIN)/buf ## regenerate gen/ (buf) and the sqlc stores
	PATH=$(BIN):$$PATH buf format -w
	PATH=$(BIN):$$PATH buf generate
	$(BIN)/sqlc generate

.PHONY: verify
verify: generate $(BIN)/golangci-lint $(BIN)/spectral ## fail on stale generated code, buf lint/format/breaking, sqlc vet, go vet, golangci-lint, spectral
	@git diff --exit-code -- gen proto $(STORES) || \
	  { echo "generated code is stale: run 'make generate' and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- gen $(STORES))" || \
	  { git status --porcelain -- gen $(STORES); echo "generated files not committed"; exit 1; }
	$(BIN)/buf lint
	$(BIN)/buf format -d --exit-code
	$(BIN)/sqlc vet
	$(BIN)/spectral lint -r .spectral.yaml gen/openapi/steward.swagger.json
	@if git rev-parse -q --verify HEAD~1 >/dev/null && git cat-file -e HEAD~1:buf.yaml 2>/dev/null; then \
	  echo "buf breaking against HEAD~1"; $(BIN)/buf breaking --against '.git#ref=HEAD~1'; \
	else echo "buf breaking: no previous commit with a buf module; skipped"; fi
	go vet $(PKGS)
	$(BIN)/golangci-lint run --allow-serial-runners $(PKGS)
	@test -z "$$(gofmt -l $(MODULES))" || { gofmt -l $(MODULES); echo "gofmt needed"; exit 1; }

# --- build, run, test ---
.PHONY: build
build: ## build every binary into bin/
	mkdir -p $(BIN)
	pkgs="$$(go run ./services/catalog/cmd/steward-catalog binaries)"; go build -o $(BIN)/ $$pkgs

.PHONY: run
run: postgres build $(BIN)/mailpit $(BIN)/stripe-mock ## start PostgreSQL (unless DATABASE_URL is set), migrate, seed, and every service
	$(BIN)/steward-dev

.PHONY: test
test: postgres verify ## the whole suite, with -race, against real PostgreSQL
	go test -race -count=1 -timeout 20m $(PKGS)

.PHONY: docs-screenshot
docs-screenshot: ## a picture of /docs from headless Chromium (Debian's chromium, installed if missing), in /tmp/steward-docs.png
	@command -v chromium >/dev/null || \
	  { echo "installing Chromium (Debian package)"; \
	    $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -qq && \
	    $$( [ "$$(id -u)" = 0 ] || echo sudo ) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	scripts/docs-screenshot.sh /tmp/steward-docs.png

.PHONY: bench
bench: postgres build ## the measured hot paths (see bench/README.md)
	go run ./bench/cmd/steward-bench -out bench/README.md

.PHONY: bench-dashboard
bench-dashboard: postgres ## GetDashboard through the gateway, 500 assets and 10 years of tasks, cold and cached, against raw pgx (see bench/README.md)
	go run ./bench/cmd/steward-dashboard-bench -out bench/README.md

.PHONY: bench-rush
bench-rush: postgres ## the booking rush: open-loop CreateBooking through the gateway, step search, pgbench yardsticks (see bench/README.md)
	go run ./bench/cmd/steward-rush -out bench/README.md

.PHONY: bench-billing
bench-billing: postgres ## a billing run of 2,000 families, drafted and issued, polled through GetOperation (see bench/README.md)
	go run ./bench/cmd/steward-billing-bench -out bench/README.md

.PHONY: clean
clean:
	rm -rf $(BIN) var
