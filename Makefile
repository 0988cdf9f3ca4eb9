# hsfan: build, test and run targets. `make run` and `make test` are the two set-up commands.
SHELL := /bin/bash
GO ?= go
BIN := $(CURDIR)/bin
VERSITYGW_VERSION := v1.8.0
GOLANGCI_LINT_VERSION := v2.15.0
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/hsfan/hsfan/internal/version.Version=$(VERSION)
DATA ?= $(CURDIR)/data
OUT ?= $(CURDIR)/out
DAYS ?= 365
TEST_TIMEOUT ?= 25m
comma := ,
space := $(subst ,, )

.PHONY: all build worker cross tools pydeps test test-short integ integ-hsds lint fmt vet run bench bench-peers clean image role push deploy invoke undeploy

# Deployment: docker build for the image, hsfan deploy (aws-sdk-go-v2) for the rest; see README
# "Running on AWS Lambda". DRY_RUN=1 prints the AWS calls instead of making them.
AWS_REGION ?= us-east-1
FUNCTION ?= hsfan-worker
ARCH ?= arm64
MEMORY ?= 2048
TIMEOUT ?= 300
RESERVED ?= 0
ROLE ?= hsfan-worker
HSFAN_STORE_ENV ?= s3://
HSFAN_BUCKET_ENV ?=
PAYLOAD ?= {"hsfan_task": {"version": 1, "noop": true, "dataset": {}, "op": "mean"}}
DEPLOY_FLAGS = --region $(AWS_REGION) --function $(FUNCTION) $(if $(DRY_RUN),--dry-run)

all: build

build: ## build the CLI into bin/hsfan
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/hsfan ./cmd/hsfan

worker: ## build the Lambda worker (bootstrap) for this machine
	CGO_ENABLED=0 $(GO) build -trimpath -tags lambda.norpc -ldflags '$(LDFLAGS)' -o $(BIN)/bootstrap ./cmd/worker

cross: ## the Dockerfile's build command for both Lambda architectures
	@for arch in arm64 amd64; do \
	  echo "cross-compiling bootstrap for linux/$$arch"; \
	  CGO_ENABLED=0 GOOS=linux GOARCH=$$arch $(GO) build -trimpath -tags lambda.norpc -ldflags '$(LDFLAGS)' -o $(BIN)/bootstrap-$$arch ./cmd/worker || exit 1; \
	done

tools: $(BIN)/versitygw pydeps ## install what the tests need (pinned)

$(BIN)/versitygw:
	GOBIN=$(BIN) $(GO) install github.com/versity/versitygw/cmd/versitygw@$(VERSITYGW_VERSION)

# golangci-lint, pinned, for make lint (.golangci.yml); about 3 minutes to build once.
$(BIN)/golangci-lint-$(GOLANGCI_LINT_VERSION):
	GOBIN=$(BIN)/.golangci-$(GOLANGCI_LINT_VERSION) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	mv $(BIN)/.golangci-$(GOLANGCI_LINT_VERSION)/golangci-lint $@ && rmdir $(BIN)/.golangci-$(GOLANGCI_LINT_VERSION)

# The real HSDS 0.9.4 for the side-by-side tests (internal/testutil/hsdspeer, internal/interop) and
# HSDS's integration suite: ../shared/peers next to the repository, else (in a linked git worktree)
# next to the main checkout.
GIT_MAIN := $(patsubst %/.git,%,$(shell git rev-parse --path-format=absolute --git-common-dir 2>/dev/null))
PEERS ?= $(patsubst %/hsds-peer.sh,%,$(firstword $(wildcard $(CURDIR)/../shared/peers/hsds-peer.sh \
  $(if $(GIT_MAIN),$(GIT_MAIN)/../shared/peers/hsds-peer.sh)) $(CURDIR)/../shared/peers/hsds-peer.sh))
# Debian packages: the peer's (../shared/peers/README.md), h5py for HDF5 reference files, xarray,
# netCDF4 and cftime for CF reference values, udunits-bin for the UDUNITS-2 database, bitshuffle (the
# Python module, to decode bitshuffle chunks as HSDS's storUtil.py does), nbconvert, ipykernel and
# matplotlib to execute the notebooks (notebooks/notebooks_test.go); and the Python modules they
# provide.
PEER_DEBS := python3-aiohttp python3-aiohttp-cors python3-aiofiles python3-numcodecs python3-psutil \
  python3-simplejson python3-yaml python3-importlib-resources python3-tz python3-requests \
  python3-requests-unixsocket python3-botocore python3-numpy python3-packaging python3-urllib3 python3-h5py \
  python3-xarray python3-netcdf4 python3-cftime udunits-bin bitshuffle jupyter-nbconvert python3-ipykernel \
  python3-matplotlib
PEER_MODULES := aiohttp aiohttp_cors aiofiles numcodecs psutil simplejson yaml importlib_resources pytz \
  requests requests_unixsocket botocore numpy packaging urllib3 h5py xarray netCDF4 cftime bitshuffle \
  nbconvert ipykernel matplotlib

pydeps: ## Python for the tests: C blosc through numcodecs, numpy, and what the HSDS peer runs on
	@if /usr/bin/python3 -c 'import $(subst $(space),$(comma),$(PEER_MODULES))' 2>/dev/null && [ -d /usr/share/xml/udunits ] && command -v jupyter-nbconvert >/dev/null; then echo "python3 modules for the tests and the HSDS peer present"; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PEER_DEBS) >/dev/null) \
	  || echo "warning: could not install $(PEER_DEBS)"; \
	else echo "warning: python3 modules missing (apt-get install $(PEER_DEBS))"; fi

# With the peers folder present, the HSDS differential suite must run and pass; every notebook is
# executed headless (notebooks/notebooks_test.go, about 10 s).
test: tools vet cross ## the full test suite, race detector on, real S3 server, real HSDS side by side, the notebooks, HSDS's integration suite
	HSFAN_PEERS=$(PEERS) $(if $(wildcard $(PEERS)/hsds-peer.sh),HSFAN_REQUIRE_PEERS=1) \
	HSFAN_REQUIRE_S3=1 HSFAN_REQUIRE_NOTEBOOKS=1 HSFAN_VERSITYGW=$(BIN)/versitygw $(GO) test -race -timeout $(TEST_TIMEOUT) ./...
	@if [ -f $(PEERS)/hsds-peer.sh ]; then $(MAKE) --no-print-directory integ; \
	else echo "make test: no HSDS peers folder at $(PEERS): HSDS's integration suite (make integ) not run"; fi

integ: build ## HSDS's own integration suite (15 files) against bin/hsfan serve: a table of results
	HSFAN_PEERS=$(PEERS) HSFAN_BIN=$(BIN)/hsfan internal/interop/integ.sh hsfan

integ-hsds: ## HSDS's own integration suite against the real HSDS (14 of 15 files pass: filter_test needs bitshuffle)
	HSFAN_PEERS=$(PEERS) internal/interop/integ.sh hsds

test-short: ## fast unit tests only
	$(GO) test -short ./...

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

lint: vet $(BIN)/golangci-lint-$(GOLANGCI_LINT_VERSION) ## gofmt, go vet and golangci-lint (.golangci.yml)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(BIN)/golangci-lint-$(GOLANGCI_LINT_VERSION) run ./...

RUN_STORE := --store file://$(DATA) --bucket hsfan --domain /shared/sst/mur25.h5

run: build ## the main job: a synthetic year of SST, its daily area-weighted global mean
	@# gen keeps a complete domain, and replaces one an interrupted gen left (marked incomplete).
	$(BIN)/hsfan gen sst $(RUN_STORE) --days $(DAYS) --start 2022-01-01 --keep-existing
	@if ! $(BIN)/hsfan repack --check $(RUN_STORE) >/dev/null 2>&1; then \
	  echo "$(DATA) holds chunks written by hsfan before the chunk format fix (HSDS reads them as garbage): converting them with hsfan repack"; \
	  $(BIN)/hsfan repack $(RUN_STORE) || { echo "repack failed: regenerating $(DATA)"; \
	    $(BIN)/hsfan gen sst $(RUN_STORE) --days $(DAYS) --start 2022-01-01 --overwrite; } || exit 1; \
	fi
	$(BIN)/hsfan run mean $(RUN_STORE) --dataset /analysed_sst \
	  --reduce lat,lon --weights coslat:60 --units C --name sst_mean --out $(OUT)
	@echo "results: $(OUT)/sst_mean.arrow $(OUT)/sst_mean.json $(OUT)/sst_mean.png $(OUT)/sst_mean.svg $(OUT)/manifest.json"

bench: ## Go benchmarks of the hot paths
	$(GO) test -run '^$$' -bench . -benchmem ./hsds/... ./ops/... ./fanout/... ./output/... ./report/... ./jobs/... ./transport/...

bench-peers: build ## hsfan bench all: hsfan side by side with xarray and the real HSDS (data cached in $(DATA)/bench)
	$(BIN)/hsfan bench all --peers $(PEERS) --data-dir $(DATA)/bench --out $(OUT)/bench $(BENCH_ARGS)

clean:
	rm -rf $(BIN)/hsfan $(BIN)/bootstrap* $(OUT)

image: ## the Lambda container image (needs a Docker engine)
	docker build --build-arg TARGETARCH=$(ARCH) --build-arg VERSION=$(VERSION) -t $(FUNCTION):$(VERSION) .

role: build ## create or update the execution and scheduler roles (BUCKETS=a,b WRITE_BUCKETS=c)
	$(BIN)/hsfan deploy role $(DEPLOY_FLAGS) --role $(ROLE) $(if $(BUCKETS),--buckets $(BUCKETS)) $(if $(WRITE_BUCKETS),--write-buckets $(WRITE_BUCKETS))

push: image build ## create the ECR repository if needed, push the image and deploy it (hsfan deploy function --push)
	$(BIN)/hsfan deploy function $(DEPLOY_FLAGS) --push --tag $(VERSION) --role $(ROLE) --arch $(ARCH) \
	  --memory $(MEMORY) --timeout $(TIMEOUT) --reserved $(RESERVED) --store $(HSFAN_STORE_ENV) --bucket $(HSFAN_BUCKET_ENV)

deploy: build ## create or update the function from the image already in ECR (tag VERSION)
	$(BIN)/hsfan deploy function $(DEPLOY_FLAGS) --tag $(VERSION) --role $(ROLE) --arch $(ARCH) \
	  --memory $(MEMORY) --timeout $(TIMEOUT) --reserved $(RESERVED) --store $(HSFAN_STORE_ENV) --bucket $(HSFAN_BUCKET_ENV)

invoke: build ## invoke the function once with PAYLOAD and print the answer and the log tail
	$(BIN)/hsfan deploy invoke $(DEPLOY_FLAGS) --payload '$(PAYLOAD)'

undeploy: build ## delete the function (ALL=1: also its roles and ECR repository)
	$(BIN)/hsfan undeploy $(DEPLOY_FLAGS) $(if $(ALL),--all)
