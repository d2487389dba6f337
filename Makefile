# The two commands of the README, and the rest of the developer loop.
#   make demo   install what is missing, build, run the example, show its narration
#   make test   the same set-up, then every test: plain, ASan+UBSan, TSan
#   make bench  the hot-path benchmark table (installs LTTng-UST and spdlog to compare)
#   make soak   60 s of steady load: no event lost, memory flat (5 s of it run in make test)
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
TSAN_RUN := $(shell command -v setarch >/dev/null 2>&1 && echo "setarch $$(uname -m) -R")

.PHONY: all deps build demo test test-plain test-asan test-tsan bench soak install clean

all: build

deps:
	@sh scripts/install-deps.sh build

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	@echo "== orchestrator, no NARRATE_LOG: the console shows INFO and above, the JSON lines keep every event =="
	@env -u NARRATE_LOG NARRATE_OUTPUT=console,jsonl:$(BUILD)/demo.jsonl $(BUILD)/examples/orchestrator/orchestrator
	@echo
	@echo "== the same run as JSON lines: $(BUILD)/demo.jsonl ($$(wc -l < $(BUILD)/demo.jsonl) events); first two =="
	@head -n 2 $(BUILD)/demo.jsonl
	@echo
	@echo "== every event on the console (NARRATE_LOG=trace), first 16 lines =="
	@NARRATE_LOG=trace $(BUILD)/examples/orchestrator/orchestrator 2>&1 | head -n 16
	@echo
	@echo "== only INFO and above, and select_worker at trace (NARRATE_LOG='info,select_worker=trace') =="
	@NARRATE_LOG='info,select_worker=trace' $(BUILD)/examples/orchestrator/orchestrator 2>&1 | head -n 12
	@echo
	@echo "== the same story in cute mode (NARRATE_MODE=cute NARRATE_LOG=info) =="
	@NARRATE_MODE=cute NARRATE_LOG=info $(BUILD)/examples/orchestrator/orchestrator 2>&1 | head -n 16
	@echo
	@echo "== its call tree and per-function statistics (NARRATE_OUTPUT=trace:$(BUILD)/demo.trace, narrate tree/stats) =="
	@NARRATE_OUTPUT=trace:$(BUILD)/demo.trace $(BUILD)/examples/orchestrator/orchestrator
	@$(BUILD)/tools/narrate/narrate tree $(BUILD)/demo.trace
	@echo
	@$(BUILD)/tools/narrate/narrate stats $(BUILD)/demo.trace

test: test-plain test-asan test-tsan

test-plain:
	@sh scripts/install-deps.sh test
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan:
	@sh scripts/install-deps.sh test
	cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=Debug -DNARRATE_SANITIZE=address,undefined $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD)-asan -j $(JOBS)
	cd $(BUILD)-asan && ctest --output-on-failure -j $(JOBS) -L "unit|e2e|reliability" -LE soak

test-tsan:
	@sh scripts/install-deps.sh test
	cmake -S . -B $(BUILD)-tsan -DCMAKE_BUILD_TYPE=Debug -DNARRATE_SANITIZE=thread $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD)-tsan -j $(JOBS)
	cd $(BUILD)-tsan && $(TSAN_RUN) ctest --output-on-failure -j $(JOBS) -L concurrent

soak: build
	$(BUILD)/tests/soak/soak 60 $(BUILD)/soak.jsonl

bench:
	@sh scripts/install-deps.sh bench
	cmake -S . -B $(BUILD)-bench -DCMAKE_BUILD_TYPE=Release -DNARRATE_BUILD_BENCH=ON -DNARRATE_BUILD_TESTS=OFF $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD)-bench -j $(JOBS)
	sh bench/run.sh $(BUILD)-bench

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-tsan $(BUILD)-bench
