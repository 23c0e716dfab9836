# lockwarden — build, test, benchmark.
#
#   make test    everything CI runs: gofmt, go vet, unit tests, integration
#                tests on minidyn, dynalite, gofakes3 and MinIO, end-to-end
#                tests with real Terraform 1.5.7 (and Terraform >= 1.10 from
#                PATH for S3 lock files). Installs what it needs first.
#   make bench   the list (lock table and S3 lock files) and UI benchmarks
#                with their targets (BENCHMARKS.md).
#   make fuzz    every fuzz target for FUZZTIME each (FUZZING.md).
#   make demo    the TUI on the embedded sandbox.
#   make man     man pages for every command into ./man (not kept in git).
#   make docs    docs/reference from the code (a test fails when stale).
#   make screenshots
#                docs/images from the real binary in tmux (needs freeze).
#   make release-snapshot
#                the release archives for every platform into ./dist, as a
#                tagged release would build them (needs goreleaser v2).
#   make lint-ci the CI workflow checked with actionlint.

TERRAFORM_VERSION := 1.5.7
TF_CACHE          := $(HOME)/.cache/lockwarden/terraform-$(TERRAFORM_VERSION)
TERRAFORM         := $(TF_CACHE)/terraform
MINIO_VERSION     := v0.0.0-20260212201848-7aac2a2c5b7c
MINIO_CACHE       := $(HOME)/.cache/lockwarden/minio-20260212201848
MINIO             := $(MINIO_CACHE)/minio
VERSITYGW_VERSION := v1.8.0
VERSITYGW_CACHE   := $(HOME)/.cache/lockwarden/versitygw-1.8.0
VERSITYGW         := $(VERSITYGW_CACHE)/versitygw
FREEZE_VERSION    := v0.2.2
NFPM_VERSION      := v2.45.2
NFPM_CACHE        := $(HOME)/.cache/lockwarden/nfpm-2.45.2
NFPM              := $(NFPM_CACHE)/nfpm
DYNALITE          := tools/dynalite/node_modules/dynalite/cli.js
GO_TEST_FLAGS     ?= -race -count=1 -timeout 15m
# Release tools: from PATH, else where `go install` puts them.
GOBIN_DIR          = $(or $(shell go env GOBIN),$(shell go env GOPATH)/bin)
GORELEASER        ?= $(or $(shell command -v goreleaser 2>/dev/null),$(GOBIN_DIR)/goreleaser)
ACTIONLINT        ?= $(or $(shell command -v actionlint 2>/dev/null),$(GOBIN_DIR)/actionlint)

export LOCKWARDEN_TERRAFORM := $(TERRAFORM)
export LOCKWARDEN_DYNALITE  := $(CURDIR)/$(DYNALITE)
export LOCKWARDEN_MINIO     := $(MINIO)
export LOCKWARDEN_VERSITYGW := $(VERSITYGW)
export LOCKWARDEN_NFPM      := $(NFPM)

.PHONY: all build test deps check bench race fuzz demo clean man docs screenshots release-snapshot lint-ci

all: build

build:
	go build -o lockwarden .

deps: $(DYNALITE) $(TERRAFORM) $(MINIO) $(VERSITYGW) $(NFPM)

# dynalite exactly as pinned by the lock file. The Go tests start it on a
# free port and stop it when they finish.
$(DYNALITE): tools/dynalite/package.json tools/dynalite/package-lock.json
	cd tools/dynalite && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Terraform 1.5.7 built from source once (about a minute), then cached.
$(TERRAFORM):
	@echo "installing Terraform $(TERRAFORM_VERSION) into $(TF_CACHE) (once, about a minute)"
	cd / && GOBIN=$(TF_CACHE) go install github.com/hashicorp/terraform@v$(TERRAFORM_VERSION)

# MinIO, the real S3 server the lock-file tests run on beside gofakes3,
# built from source once (3 to 5 minutes), then cached. The Go tests start
# it on a free port with a temporary data directory and stop it after.
$(MINIO):
	@echo "installing MinIO $(MINIO_VERSION) into $(MINIO_CACHE) (once, 3 to 5 minutes)"
	cd / && GOBIN=$(MINIO_CACHE) go install github.com/minio/minio@$(MINIO_VERSION)

# versitygw, the S3 server here that honours If-Match on DeleteObject (as
# AWS S3 does; gofakes3 and MinIO ignore it), built once (about 2
# minutes), then cached. The tests start it on a free port over a
# temporary directory (its POSIX backend) and stop it after.
$(VERSITYGW):
	@echo "installing versitygw $(VERSITYGW_VERSION) into $(VERSITYGW_CACHE) (once, about 2 minutes)"
	cd / && GOBIN=$(VERSITYGW_CACHE) go install github.com/versity/versitygw/cmd/versitygw@$(VERSITYGW_VERSION)

# nfpm, for the .deb the package test installs (goreleaser uses nfpm for
# the release's packages).
$(NFPM):
	@echo "installing nfpm $(NFPM_VERSION) into $(NFPM_CACHE) (once, about 2 minutes)"
	cd / && GOBIN=$(NFPM_CACHE) go install github.com/goreleaser/nfpm/v2/cmd/nfpm@$(NFPM_VERSION)

check:
	@unformatted=$$(gofmt -l .); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	go vet ./...
	go mod tidy -diff

test: deps check
	go test $(GO_TEST_FLAGS) ./...

# The randomized unlock race test at full size (the default suite runs 60).
# Every run prints its seed; RACE_SEED=N replays one.
race: deps
	go test -count=1 -run TestRandomizedRaces -v ./guard -race-rounds 1000 $(if $(RACE_SEED),-race-seed $(RACE_SEED))

# Every case runs, the UI benchmarks too, even when one misses its target:
# all the figures come out, and the exit code says whether all passed.
bench: deps build
	@status=0; \
	go run ./internal/bench -items 100000 -locks 1000 -objects 100000 -lockfiles 1000 || status=1; \
	go test -run '^$$' -bench . -benchtime 30x -count 3 ./ui | go run ./internal/bench uicheck || status=1; \
	exit $$status

# Every fuzz target for FUZZTIME each (default 60s); see FUZZING.md.
fuzz:
	tools/fuzz.sh

demo:
	go run . demo

man:
	go run ./internal/man -dir man

# The pictures in docs/images: the real binary in tmux on the sandbox,
# captured with escapes and rendered by charmbracelet/freeze. make test
# checks that the captures are still what the screen shows.
FREEZE ?= $(HOME)/.cache/lockwarden/freeze-0.2.2/freeze
screenshots: $(FREEZE)
	LOCKWARDEN_UPDATE_SCREENSHOTS=1 LOCKWARDEN_FREEZE=$(FREEZE) go test ./e2e -run TestScreenshots -count=1

$(FREEZE):
	cd / && GOBIN=$(dir $(FREEZE)) go install github.com/charmbracelet/freeze@$(FREEZE_VERSION)

# docs/reference from the code (a test fails when it is stale).
docs:
	go run ./internal/docgen -dir docs/reference

# goreleaser v2: go install github.com/goreleaser/goreleaser/v2@v2.15.1
release-snapshot:
	$(GORELEASER) check
	$(GORELEASER) release --snapshot --clean

# actionlint: go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12
lint-ci:
	$(ACTIONLINT) .github/workflows/*.yml

clean:
	rm -f lockwarden
	rm -rf man dist completions
