# exclusions: a zero-dependency C11/POSIX tool.  `make`, `make check`, `make bench`.
CC      ?= cc
CSTD     = -std=c11 -D_POSIX_C_SOURCE=200809L
WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS  ?= -O2 -g
ALL_CFLAGS = $(CSTD) $(WARN) $(CFLAGS)
PREFIX  ?= /usr/local
VERSION  = 0.1.0

LIB_SRCS = jsonscan.c util.c diag.c file.c spawn.c fetch.c disabled.c match.c testtree.c scope.c exclset.c output.c logscan.c github.c reenable.c explain.c pipeline.c src_list.c src_trunk.c src_fallback.c src_extra.c handlist.c collect.c sink_output.c sink_summary.c
LIB_SRCS += issues.c src_issues.c
LIB_SRCS += history.c sink_history.c history_cmd.c
LIB_SRCS += alerts.c sink_ages.c sink_alerts.c
LIB_SRCS += cache.c
LIB_SRCS += issuecache.c
LIB_OBJS = $(LIB_SRCS:.c=.o)
HDRS     = $(wildcard *.h)
UNIT_SRCS = $(wildcard test/test_*.c)
UNIT_BINS = $(UNIT_SRCS:.c=)

all: exclusions

exclusions: exclusions.o $(LIB_OBJS)
	$(CC) $(ALL_CFLAGS) -o $@ exclusions.o $(LIB_OBJS) $(LDFLAGS)

%.o: %.c $(HDRS)
	$(CC) $(ALL_CFLAGS) -DEXCLUSIONS_VERSION='"$(VERSION)"' -c -o $@ $<

test/test_%: test/test_%.c test/unit.h $(LIB_OBJS)
	$(CC) $(ALL_CFLAGS) -I. -o $@ $< $(LIB_OBJS) $(LDFLAGS)

check: exclusions $(UNIT_BINS)
	bash test/run $(UNIT_BINS)

bench: exclusions
	bash test/bench.sh

clean:
	rm -f exclusions exclusions-static *.o $(UNIT_BINS)

.PHONY: all check bench clean

# ---------------------------------------------------------------------------
# Fuzzing, sanitizer and valgrind runs, install.  Nothing below writes
# objects into the source tree: fuzzers and their drivers are built in
# fuzz/bin/, the sanitizer and valgrind builds in a temporary directory.
#
#   make fuzz [FUZZ_SECONDS=60]   every fuzz/fuzz_*.c, each FUZZ_SECONDS on its
#                                 corpus fuzz/corpus/<name>/ (new inputs go to a
#                                 temporary directory, crashes to fuzz/bin/artifacts/;
#                                 FUZZ_NAMES=key picks targets, FUZZ_ARGS=... adds
#                                 libFuzzer flags).  Keep each crasher, once its bug
#                                 is fixed, in fuzz/regress/<name>/: test/t_robust.sh
#                                 runs them all in make check.
#   make fuzz-drivers             the targets without libFuzzer (fuzz/driver.c),
#                                 for the regression run in test/t_robust.sh
#   make check-asan               the whole suite built with ASan and UBSan
#   make check-valgrind           the whole suite, binary and unit tests under valgrind
#   make check-without-tools      the whole suite with curl, gh and pytest hidden
#                                 (PATH of links to everything else; a pytest
#                                 module that fails to import): 0 failed, the
#                                 cases that need them skipped
#   make install / uninstall      PREFIX (default /usr/local), DESTDIR
FUZZ_CC       ?= clang
FUZZ_SECONDS  ?= 60
FUZZ_SAN       = -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS    = $(CSTD) $(filter-out -Werror,$(WARN)) -g -O1 -I. -DEXCLUSIONS_VERSION='"$(VERSION)"'
FUZZ_SRCS      = $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_NAMES     = $(FUZZ_SRCS:fuzz/fuzz_%.c=%)
FUZZ_BINS      = $(FUZZ_NAMES:%=fuzz/bin/fuzz_%)
FUZZ_LIBOBJS   = $(LIB_SRCS:%.c=fuzz/bin/obj/%.o)

# The drivers: the same targets with a plain main(), built by $(CC).  By
# default with the sanitizers (gcc has them); DRIVER_SAN= builds them plain.
DRIVER_SAN    ?= -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
DRIVER_DIR     = fuzz/bin/driver$(if $(DRIVER_SAN),-san,-plain)
DRIVER_BINS    = $(FUZZ_NAMES:%=$(DRIVER_DIR)/fuzz_%)
DRIVER_LIBOBJS = $(LIB_SRCS:%.c=$(DRIVER_DIR)/obj/%.o)

fuzz/bin/obj/%.o: %.c $(HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) -c -o $@ $<

fuzz/bin/fuzz_%: fuzz/fuzz_%.c $(FUZZ_LIBOBJS) $(HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $< $(FUZZ_LIBOBJS)

$(DRIVER_DIR)/obj/%.o: %.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(FUZZ_CFLAGS) $(DRIVER_SAN) -c -o $@ $<

$(DRIVER_DIR)/fuzz_%: fuzz/fuzz_%.c fuzz/driver.c $(DRIVER_LIBOBJS) $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(FUZZ_CFLAGS) $(DRIVER_SAN) -o $@ fuzz/driver.c $< $(DRIVER_LIBOBJS)

# Objects made by pattern rules are kept between runs.
.SECONDARY: $(FUZZ_LIBOBJS) $(DRIVER_LIBOBJS)

fuzz-bins: $(FUZZ_BINS)

fuzz-drivers: $(DRIVER_BINS)

# Each target on a scratch corpus seeded from fuzz/corpus/<name>/ and
# fuzz/regress/<name>/ (and, for tree, the sample test tree itself); libFuzzer writes what it finds to the first
# directory, so the repository's corpus is only read.
fuzz: $(FUZZ_BINS)
	@fail=0; mkdir -p fuzz/bin/artifacts; \
	for n in $(FUZZ_NAMES); do \
		new=$$(mktemp -d "$${TMPDIR:-/tmp}/exclusions-fuzz-$$n.XXXXXX") || exit 1; \
		seeds=; \
		for d in fuzz/corpus/$$n fuzz/regress/$$n; do [ -d "$$d" ] && seeds="$$seeds $$d"; done; \
		[ "$$n" = tree ] && seeds="$$seeds test/sample/test/profiler"; \
		echo "fuzz: $$n for $(FUZZ_SECONDS) s, seeds:$${seeds:- none}, new inputs in $$new"; \
		fuzz/bin/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=fuzz/bin/artifacts/$$n- $(FUZZ_ARGS) "$$new" $$seeds \
			|| { echo "fuzz: $$n FAILED: see fuzz/bin/artifacts/$$n-*; keep the input in fuzz/regress/$$n/"; fail=1; }; \
	done; exit $$fail

fuzz-clean:
	rm -rf fuzz/bin

# Out-of-tree builds for check-asan and check-valgrind: OUT is a directory,
# XCFLAGS and XLDFLAGS the flags (the recipes below set all three).
ifdef OUT
OUT_LIBOBJS = $(LIB_OBJS:%=$(OUT)/%)
OUT_UNITS   = $(UNIT_BINS:%=$(OUT)/%)

$(OUT)/%.o: %.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(WARN) $(XCFLAGS) -DEXCLUSIONS_VERSION='"$(VERSION)"' -c -o $@ $<

$(OUT)/exclusions: $(OUT)/exclusions.o $(OUT_LIBOBJS)
	$(CC) $(CSTD) $(WARN) $(XCFLAGS) -o $@ $(OUT)/exclusions.o $(OUT_LIBOBJS) $(XLDFLAGS)

$(OUT)/test/test_%: test/test_%.c test/unit.h $(OUT_LIBOBJS)
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(WARN) $(XCFLAGS) -I. -o $@ $< $(OUT_LIBOBJS) $(XLDFLAGS)

out-build: $(OUT)/exclusions $(OUT_UNITS)

out-units: $(OUT_UNITS)
endif

SAN_CFLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
SAN_LDFLAGS = -fsanitize=address,undefined
# valgrind 3.19 cannot read gcc 12's default DWARF 5.
VG_CFLAGS  = -O1 -g -gdwarf-4
VALGRIND_OPTS = --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite

check-asan:
	@d=$$(mktemp -d "$${TMPDIR:-/tmp}/exclusions-asan.XXXXXX") || exit 1; \
	trap 'rm -rf "$$d"' EXIT; \
	$(MAKE) --no-print-directory OUT="$$d" XCFLAGS="$(SAN_CFLAGS)" XLDFLAGS="$(SAN_LDFLAGS)" out-build || exit 1; \
	echo "check-asan: running the suite on the ASan/UBSan build in $$d"; \
	mkdir -p "$$d/logs"; \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path="$$d/logs/ubsan" \
	ASAN_OPTIONS=detect_leaks=1:log_path="$$d/logs/asan" \
	EXCLUSIONS="$$d/exclusions" bash test/run $(UNIT_BINS:%=$$d/%) >"$$d/run.log"; rc=$$?; \
	sed '$$d' "$$d/run.log"; \
	totals=$$(tail -n 1 "$$d/run.log"); \
	if ls "$$d"/logs/* >/dev/null 2>&1; then \
		for f in "$$d"/logs/*; do echo "=== $$f"; cat "$$f"; done; \
		n=$$(ls "$$d/logs" | wc -l); \
		echo "FAIL: check-asan: sanitizer reports in $$n runs"; \
		echo "$$totals" | awk -v n="$$n" '{ $$3 = $$3 + n; print }'; exit 1; \
	fi; \
	echo "check-asan: no sanitizer report"; \
	echo "$$totals"; \
	exit $$rc

# Every run of the binary and of each unit test goes through a wrapper that
# runs it under valgrind (by absolute path: some tests narrow PATH), logging
# to a file per process; any error or definite leak is a failure (status 99,
# and the logs are checked at the end).
check-valgrind:
	@vg=$$(command -v valgrind) || { echo "check-valgrind: valgrind is not installed"; exit 1; }; \
	d=$$(mktemp -d "$${TMPDIR:-/tmp}/exclusions-valgrind.XXXXXX") || exit 1; \
	trap 'rm -rf "$$d"' EXIT; \
	$(MAKE) --no-print-directory OUT="$$d" XCFLAGS="$(VG_CFLAGS)" XLDFLAGS= out-build || exit 1; \
	mkdir -p "$$d/vg" "$$d/logs"; \
	for b in exclusions $(UNIT_BINS); do \
		w="$$d/vg/$$(basename "$$b")"; \
		printf '#!/bin/sh\nexec %s %s --log-file=%s/logs/%s.%%p -- %s "$$@"\n' \
			"$$vg" "$(VALGRIND_OPTS)" "$$d" "$$(basename "$$b")" "$$d/$$b" >"$$w"; \
		chmod +x "$$w"; \
	done; \
	echo "check-valgrind: running the suite under valgrind ($$d)"; \
	EXCLUSIONS="$$d/vg/exclusions" bash test/run $(UNIT_BINS:test/%=$$d/vg/%); rc=$$?; \
	bad=$$(grep -lE 'ERROR SUMMARY: [1-9]|definitely lost: [1-9]' "$$d"/logs/* 2>/dev/null); \
	runs=$$(ls "$$d/logs" | wc -l); \
	if [ -n "$$bad" ]; then \
		for f in $$bad; do echo "=== $$f"; cat "$$f"; done; \
		echo "check-valgrind: errors in $$(echo "$$bad" | wc -l) of $$runs runs"; exit 1; \
	fi; \
	clean=$$(grep -l 'ERROR SUMMARY: 0 errors' "$$d"/logs/* 2>/dev/null | wc -l); \
	[ "$$clean" -gt 0 ] || { echo "check-valgrind: no run reached valgrind's summary"; exit 1; }; \
	echo "check-valgrind: $$runs runs under valgrind ($$clean ran to the end), no errors, nothing definitely lost"; \
	exit $$rc

check-without-tools: exclusions $(UNIT_BINS)
	@d=$$(mktemp -d "$${TMPDIR:-/tmp}/exclusions-notools.XXXXXX") || exit 1; \
	trap 'rm -rf "$$d"' EXIT; \
	mkdir -p "$$d/bin" "$$d/py"; \
	IFS=:; for dir in $$PATH; do \
		[ -d "$$dir" ] || continue; \
		for f in "$$dir"/*; do \
			b=$${f##*/}; \
			case $$b in curl|gh|pytest*|py.test*) continue ;; esac; \
			[ -e "$$d/bin/$$b" ] || ln -s "$$f" "$$d/bin/$$b" 2>/dev/null; \
		done; \
	done; unset IFS; \
	printf 'raise ImportError("pytest is hidden by make check-without-tools")\n' >"$$d/py/pytest.py"; \
	echo "check-without-tools: curl, gh and pytest hidden"; \
	PATH="$$d/bin" PYTHONPATH="$$d/py" bash test/run $(UNIT_BINS)

# A fully static binary for minimal CI images, and the suite run once
# against it:
#   make static          exclusions-static: musl-gcc (Debian's musl-tools),
#                        -static, stripped; warning-free like the rest
#   make check-static    the shell suite with EXCLUSIONS=exclusions-static
#                        (test/lib.sh takes the binary from EXCLUSIONS), the
#                        unit tests built with musl too, in a temporary
#                        directory; fails unless ldd finds the binary static
MUSL_CC       ?= musl-gcc
STATIC_CFLAGS ?= -O2
STATIC_BIN     = exclusions-static

static: $(STATIC_BIN)

$(STATIC_BIN): exclusions.c $(LIB_SRCS) $(HDRS)
	@command -v $(MUSL_CC) >/dev/null 2>&1 || \
		{ echo "make static: $(MUSL_CC) not found: install musl-tools (apt-get install musl-tools)" >&2; exit 1; }
	$(MUSL_CC) $(CSTD) $(WARN) $(STATIC_CFLAGS) -static -s -DEXCLUSIONS_VERSION='"$(VERSION)"' \
		-o $@ exclusions.c $(LIB_SRCS)

check-static: $(STATIC_BIN)
	@ldd ./$(STATIC_BIN) 2>&1 | grep -q 'not a dynamic executable' || \
		{ echo "check-static: $(STATIC_BIN) is not static: ldd says $$(ldd ./$(STATIC_BIN) 2>&1 | head -n 1)"; exit 1; }; \
	d=$$(mktemp -d "$${TMPDIR:-/tmp}/exclusions-static.XXXXXX") || exit 1; \
	trap 'rm -rf "$$d"' EXIT; \
	$(MAKE) --no-print-directory OUT="$$d" CC="$(MUSL_CC)" XCFLAGS="$(STATIC_CFLAGS)" XLDFLAGS=-static out-units || exit 1; \
	echo "check-static: running the suite on $(STATIC_BIN) ($$(wc -c <$(STATIC_BIN)) bytes, static; unit tests built with musl)"; \
	EXCLUSIONS="$(CURDIR)/$(STATIC_BIN)" bash test/run $(UNIT_BINS:%=$$d/%)

BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man

install: exclusions exclusions.1
	install -d '$(DESTDIR)$(BINDIR)' '$(DESTDIR)$(MANDIR)/man1'
	install -m 0755 exclusions '$(DESTDIR)$(BINDIR)/exclusions'
	install -m 0644 exclusions.1 '$(DESTDIR)$(MANDIR)/man1/exclusions.1'

uninstall:
	rm -f '$(DESTDIR)$(BINDIR)/exclusions' '$(DESTDIR)$(MANDIR)/man1/exclusions.1'

.PHONY: fuzz fuzz-bins fuzz-drivers fuzz-clean out-build out-units static check-static check-asan check-valgrind check-without-tools install uninstall
