# Targets the README and .ci/run use. `make test` is what CI runs.
GO ?= go

.PHONY: test lint vet fmtcheck build bench load demo

test: lint
	$(GO) test -race -count=1 ./...

lint: vet fmtcheck

vet:
	$(GO) vet ./...

fmtcheck:
	@files="$$(gofmt -l .)"; \
	if [ -n "$$files" ]; then echo "gofmt needed:"; echo "$$files"; exit 1; fi

# build compiles every package and writes the commands (cmd/*) to bin/.
build:
	$(GO) build -o bin/ ./...

bench:
	$(GO) run ./cmd/esbench
	$(GO) run ./cmd/syncbench

# load sends 200 signed slash commands and 200 clicks to a serve process and
# prints how fast they were acknowledged (Slack wants 200 within 3 s).
load:
	$(GO) run ./cmd/slackload

demo:
	$(GO) run ./cmd/resyncbot demo
