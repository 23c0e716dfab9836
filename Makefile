# lockwarden — build, test, benchmark.
#
#   make test    everything CI runs: gofmt, go vet, unit tests, integration
#                tests on minidyn and dynalite, end-to-end tests with real
#                Terraform 1.5.7. Installs what it needs first.
#   make bench   the list and UI benchmarks with their targets (BENCHMARKS.md).
#   make fuzz    every fuzz target for FUZZTIME each (FUZZING.md).
#   make demo    the TUI on the embedded sandbox.

TERRAFORM_VERSION := 1.5.7
TF_CACHE          := $(HOME)/.cache/lockwarden/terraform-$(TERRAFORM_VERSION)
TERRAFORM         := $(TF_CACHE)/terraform
DYNALITE          := tools/dynalite/node_modules/dynalite/cli.js
GO_TEST_FLAGS     ?= -race -count=1 -timeout 15m

export LOCKWARDEN_TERRAFORM := $(TERRAFORM)
export LOCKWARDEN_DYNALITE  := $(CURDIR)/$(DYNALITE)

.PHONY: all build test deps check bench race fuzz demo clean

all: build

build:
	go build -o lockwarden .

deps: $(DYNALITE) $(TERRAFORM)

# dynalite exactly as pinned by the lock file. The Go tests start it on a
# free port and stop it when they finish.
$(DYNALITE): tools/dynalite/package.json tools/dynalite/package-lock.json
	cd tools/dynalite && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Terraform 1.5.7 built from source once (about a minute), then cached.
$(TERRAFORM):
	@echo "installing Terraform $(TERRAFORM_VERSION) into $(TF_CACHE) (once, about a minute)"
	cd / && GOBIN=$(TF_CACHE) go install github.com/hashicorp/terraform@v$(TERRAFORM_VERSION)

check:
	@unformatted=$$(gofmt -l .); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	go vet ./...

test: deps check
	go test $(GO_TEST_FLAGS) ./...

# The randomized unlock race test at full size (the default suite runs 60).
# Every run prints its seed; RACE_SEED=N replays one.
race: deps
	go test -count=1 -run TestRandomizedRaces -v ./unlock -race-rounds 1000 $(if $(RACE_SEED),-race-seed $(RACE_SEED))

bench: deps build
	go run ./internal/bench -items 100000 -locks 1000
	go test -run '^$$' -bench . -benchtime 30x -count 3 ./ui | go run ./internal/bench uicheck

# Every fuzz target for FUZZTIME each (default 60s); see FUZZING.md.
fuzz:
	tools/fuzz.sh

demo:
	go run . demo

clean:
	rm -f lockwarden
