# Thin wrapper over CMake for the two set-up commands of the README.
#   make demo   install what is missing, build, index a sample and search it
#   make test   install what is missing, build, run the whole test suite
# Other targets: build, asan (the suite under ASan+UBSan), tsan (the threaded
# concurrency test under ThreadSanitizer), fuzz (each libFuzzer target for
# FUZZ_SECONDS), valgrind (the CLI tests under memcheck), install, bench, clean.

BUILD ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
JOBS ?= 2
PREFIX ?= /usr/local
CORPUS ?= ../shared/corpus

# Debian packages the build, the tests and the benchmarks need.
DEB_PACKAGES = build-essential cmake pkg-config libicu-dev libxapian-dev libstemmer-dev \
               check libjansson-dev python3 xapian-tools libsqlite3-dev gnuplot-nox \
               clang libclang-rt-dev valgrind libmd4c-dev

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps build demo test asan tsan fuzz valgrind install bench clean

all: build

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSOU_WERROR=ON

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

demo: build
	@sh docs/demo.sh $(BUILD)/cli/sou

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSOU_WERROR=ON -DSOU_SANITIZE=ON -DSOU_BUILD_BENCH=OFF
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j$(JOBS)

# One writer and four reader threads; any report of a race fails the run.
tsan: deps
	cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSOU_WERROR=ON -DSOU_TSAN=ON \
	  -DSOU_BUILD_BENCH=OFF -DSOU_BUILD_CLI=OFF -DSOU_BUILD_SHARED=OFF
	cmake --build $(TSAN_BUILD) -j$(JOBS) --target fault_concurrent
	cd $(TSAN_BUILD) && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
	  ctest --output-on-failure -R '^concurrency-threads$$'

# libFuzzer with ASan and UBSan; any crash, leak, timeout or report fails.
fuzz: deps
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSOU_WERROR=ON -DSOU_FUZZ=ON -DSOU_BUILD_TESTS=OFF \
	  -DSOU_BUILD_CLI=OFF -DSOU_BUILD_BENCH=OFF -DSOU_BUILD_SHARED=OFF
	cmake --build $(FUZZ_BUILD) -j$(JOBS)
	sh tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# The CLI's end-to-end tests with every sou run under memcheck.
valgrind: build
	sh tests/fault/valgrind.sh $(BUILD)/cli/sou $(BUILD)/valgrind

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

bench: build
	$(BUILD)/bench/sou-bench tokenize --corpus $(CORPUS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD)
