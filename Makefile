# Makefile - builds bin/model, its tests, benchmarks, fuzzers and manuals.
#
#   make            bin/model (optimised; SIMD kernels chosen at run time)
#   make test       sanitizer build of every test, then tests/run.sh
#   make bench      benchmark models (cached outside the tree) and `model bench`
#   make fuzz       libFuzzer targets, run for FUZZ_SECONDS each
#   make demo       install what is missing, build, run the main job end to end
#   make deps       apt-get install the Debian packages that are missing
#   make install    bin, man pages, bash completion under $(DESTDIR)$(PREFIX)
#
# Every directory's *.c is compiled: adding a file needs no edit here.
# kernels/*_avx2.c and kernels/*_avx512.c get their own -m flags, so the
# binary still starts on CPUs without them (kernels/cpu.c picks at run time).

CC      ?= cc
PREFIX  ?= /usr/local
PKGS    := libcurl libarchive sqlite3 libcjson libcrypto libpcre2-8 libedit libmicrohttpd
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN    := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
BASE    := -std=c11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -pthread -MMD -MP $(WARN) $(PKG_CFLAGS) -I.
REL_CFLAGS  := $(BASE) -O2 -g
ASAN_CFLAGS := $(BASE) -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDLIBS  := $(PKG_LIBS) -lm -pthread

AVX2_FLAGS   := -mavx2 -mfma -mf16c -mavxvnni
AVX512_FLAGS := -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx512vnni -mavx512bf16 -mfma -mf16c -mavx2

LIB_DIRS := common kernels runtime store registry server
LIB_SRCS := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c)) $(filter-out cmd/model.c,$(wildcard cmd/*.c))
TEST_SRCS := $(wildcard tests/test_*.c)
TEST_NAMES := $(patsubst tests/%.c,%,$(TEST_SRCS))
TOOL_SRCS := $(wildcard tests/tools/*.c)

.PHONY: all test bench fuzz demo deps deps-demo install uninstall clean print-test-deps
all: bin/model

# --- per-flavour object rules -------------------------------------------------
define flavour
build/$(1)/%.o: %.c
	@mkdir -p $$(dir $$@)
	@echo "  CC  $(1)/$$<"
	@$(3) $(2) $$(if $$(findstring _avx512.c,$$<),$$(AVX512_FLAGS),$$(if $$(findstring _avx2.c,$$<),$$(AVX2_FLAGS))) -c $$< -o $$@

build/$(1)/libmodel.a: $$(patsubst %.c,build/$(1)/%.o,$$(LIB_SRCS))
	@rm -f $$@
	@ar rcs $$@ $$^
endef
$(eval $(call flavour,rel,$(REL_CFLAGS),$$(CC)))
$(eval $(call flavour,asan,$(ASAN_CFLAGS),$$(CC)))
# libFuzzer needs clang for every object it links
FUZZ_CFLAGS := $(filter-out -Werror,$(BASE)) -O1 -g -fsanitize=fuzzer-no-link,address,undefined
$(eval $(call flavour,fuzz,$(FUZZ_CFLAGS),clang))

bin/model: build/rel/cmd/model.o build/rel/libmodel.a
	@mkdir -p bin
	@echo "  LD  $@"
	@$(CC) $(REL_CFLAGS) -o $@ $^ $(LDLIBS)

bin/model-asan: build/asan/cmd/model.o build/asan/libmodel.a
	@mkdir -p bin
	@echo "  LD  $@"
	@$(CC) $(ASAN_CFLAGS) -o $@ $^ $(LDLIBS)

build/asan/tests/%: build/asan/tests/%.o build/asan/tests/harness/test.o build/asan/libmodel.a
	@echo "  LD  $@"
	@$(CC) $(ASAN_CFLAGS) -o $@ $^ $(LDLIBS)

# helper programs used by tests and benchmarks (GGUF writers, etc.), optimised
build/rel/tools/%: build/rel/tests/tools/%.o build/rel/libmodel.a
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(REL_CFLAGS) -o $@ $^ $(LDLIBS)

TOOLS := $(patsubst tests/tools/%.c,build/rel/tools/%,$(TOOL_SRCS))
TESTS := $(addprefix build/asan/tests/,$(TEST_NAMES))

test: bin/model bin/model-asan $(TESTS) $(TOOLS)
	@bash tests/run.sh $(TESTS)

# --- fuzzing (clang's libFuzzer) ------------------------------------------------
FUZZ_SECONDS ?= 30
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
build/fuzz/bin/%: build/fuzz/tests/fuzz/%.o build/fuzz/libmodel.a
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)
fuzz: $(patsubst tests/fuzz/%.c,build/fuzz/bin/%,$(FUZZ_SRCS))
	@bash tests/fuzz/run.sh $(FUZZ_SECONDS) $^

# --- benchmarks -------------------------------------------------------------------
bench: bin/model $(TOOLS)
	@bash scripts/bench.sh

# --- demo, deps, install ------------------------------------------------------------
DEB_BUILD := gcc make pkg-config libcurl4-openssl-dev libarchive-dev libsqlite3-dev libcjson-dev \
             libssl-dev libpcre2-dev libedit-dev libmicrohttpd-dev
DEB_TEST  := clang python3 python3-jinja2 tmux docker-registry skopeo apache2-utils openssl curl man-db groff-base
deps:
	@bash scripts/install-deps.sh $(DEB_BUILD)

DEB_DEMO  := docker-registry curl python3
deps-demo: deps
	@bash scripts/install-deps.sh $(DEB_DEMO)

demo: deps-demo
	@$(MAKE) --no-print-directory all
	@bash scripts/demo.sh

MAN_PAGES := $(wildcard man/*.1)
install: bin/model
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	        $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 755 bin/model $(DESTDIR)$(PREFIX)/bin/model
	install -m 644 $(MAN_PAGES) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 contrib/completion/model.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/model

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/model $(DESTDIR)$(PREFIX)/share/bash-completion/completions/model
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/share/man/man1/,$(notdir $(MAN_PAGES)))

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)

print-test-deps:
	@echo $(DEB_TEST)

# keep objects that pattern rules create along the way
.SECONDARY:
