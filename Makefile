# SPDX-License-Identifier: GPL-2.0-only
# hbpf top-level build.  See Kbuild.md for what each step produces and why.

PREFIX ?= /usr/local
DESTDIR ?=
O ?= build
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= gcc
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
WERROR ?= 1
SANITIZE ?=

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.SECONDARY:
.DEFAULT_GOAL := all

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
PKGS := libbpf libnl-3.0 libnl-route-3.0 liburing
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lelf -lz

WFLAGS := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes
ifeq ($(WERROR),1)
WFLAGS += -Werror
endif
CFLAGS ?= -O2 -g
USER_CFLAGS = -std=gnu11 $(WFLAGS) $(CFLAGS) -MMD -MP -D_GNU_SOURCE \
	-Iinclude -Iuser -I$(O) $(PKG_CFLAGS)
ifneq ($(SANITIZE),)
USER_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
LDFLAGS += -fsanitize=$(SANITIZE)
endif
LDLIBS = $(PKG_LIBS) -lpthread

BPF_CFLAGS = -target bpf -g -O2 -mcpu=v3 -Wall -D__TARGET_ARCH_$(ARCH) \
	-I$(O) -Iinclude -Ibpf $(if $(MULTIARCH),-I/usr/include/$(MULTIARCH)) -MMD -MP

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(O)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(O)/%.skel.h,$(BPF_SRCS))
# The lab's own programs (tools/lab, loaded by ip and tc there): objects in
# $(O)/bpf beside the product's, but no skeleton, so nothing in user/ waits
# for them or can use them.
LAB_BPF_SRCS := $(wildcard tools/lab/*.bpf.c)
LAB_BPF_OBJS := $(patsubst tools/lab/%.bpf.c,$(O)/bpf/%.bpf.o,$(LAB_BPF_SRCS))

MAINS := user/hbpfd.c user/hbpfctl.c
LIB_SRCS := $(filter-out $(MAINS),$(wildcard user/*.c))
LIB_OBJS := $(patsubst %.c,$(O)/%.o,$(LIB_SRCS))
LIB := $(O)/libhbpf.a

TOOL_SRCS := $(wildcard tools/*.c)
TOOLS := $(patsubst tools/%.c,$(O)/tools/hbpf-%,$(TOOL_SRCS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_TESTS := $(patsubst tests/unit/%.c,$(O)/tests/unit/%,$(UNIT_SRCS))
BPF_TEST_SRCS := $(wildcard tests/bpf/test_*.c)
BPF_TESTS := $(patsubst tests/bpf/%.c,$(O)/tests/bpf/%,$(BPF_TEST_SRCS))
# Objects the BPF tests load themselves (a program the verifier must refuse).
BPF_TEST_OBJS := $(patsubst tests/bpf/%.bpf.c,$(O)/tests/bpf/%.bpf.o,$(wildcard tests/bpf/*.bpf.c))

BINS := $(O)/hbpfd $(O)/hbpfctl

.PHONY: all deps test check unit bpftest e2e demo bench install uninstall clean format \
	fuzz fuzz-short fuzzers

all: $(BINS) $(TOOLS) $(UNIT_TESTS) $(BPF_TESTS) $(LAB_BPF_OBJS)

deps:
	$(Q)sh tools/deps.sh

$(O)/vmlinux.h: $(VMLINUX_BTF)
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(BPFTOOL) btf dump file $< format c > $@

$(O)/bpf/%.bpf.o: bpf/%.bpf.c $(O)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(LAB_BPF_OBJS): $(O)/bpf/%.bpf.o: tools/lab/%.bpf.c $(O)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# A build dir from before lab_pass.bpf.c moved out of bpf/ holds a dependency
# file naming bpf/lab_pass.bpf.c; this keeps make going until the first
# rebuild of the object rewrites that file.
bpf/lab_pass.bpf.c:

$(O)/%.skel.h: $(O)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) > $@

$(O)/user/%.o: user/%.c $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(O)/hbpfd: $(O)/user/hbpfd.o $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(O)/hbpfctl: $(O)/user/hbpfctl.o $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(O)/tools/hbpf-%: tools/%.c $(LIB)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) $(LDFLAGS) $< $(LIB) $(LDLIBS) -o $@

$(O)/tests/unit/%: tests/unit/%.c $(LIB)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) $(LDFLAGS) $< $(LIB) $(LDLIBS) -lcmocka -o $@

$(O)/tests/bpf/%.bpf.o: tests/bpf/%.bpf.c $(O)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(O)/tests/bpf/%: tests/bpf/%.c $(LIB) $(SKELS) $(BPF_TEST_OBJS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) $(LDFLAGS) $< $(LIB) $(LDLIBS) -lcmocka -o $@

# Unit tests need nothing but the build; BPF tests need root (BPF_PROG_TEST_RUN).
unit: $(UNIT_TESTS)
	$(Q)set -e; for t in $(UNIT_TESTS); do echo "== $$t"; $$t; done

bpftest: $(BPF_TESTS)
	$(Q)set -e; for t in $(BPF_TESTS); do echo "== $$t"; $$t; done

e2e: all
	$(Q)O=$(O) sh tests/e2e/run.sh

# Fuzzers (tests/fuzz): clang's libFuzzer with ASan and UBSan.  The user/
# modules they exercise are rebuilt with the same instrumentation into
# $(O)/fuzz/obj (libhbpf.a is built without it).  `make fuzz` runs each for
# FUZZ_SECONDS; `make test` runs each for FUZZ_SHORT_SECONDS.  New corpus
# entries go to $(O)/fuzz/corpus_*, crashes to $(O)/fuzz/crash-*.
FUZZ_SECONDS ?= 300
FUZZ_SHORT_SECONDS ?= 20
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
# clang, unlike gcc, flags the va_list forwarding in log.c under -Wformat=2.
FUZZ_CFLAGS = -std=gnu11 $(WFLAGS) -Wno-format-nonliteral -g -O1 -MMD -MP -D_GNU_SOURCE \
	-Iinclude -Iuser -Itests/bpf -I$(O) $(PKG_CFLAGS) $(FUZZ_SAN)
FUZZ_config_SRCS := user/config.c user/config_dir.c user/config_value.c user/config_check.c user/log.c \
	user/util.c
FUZZ_xdp_SRCS := user/wire.c user/siphash.c user/log.c
FUZZ_config_LIBS := $(PKG_LIBS)
FUZZ_xdp_LIBS := $(PKG_LIBS) -lcmocka
FUZZERS := $(O)/fuzz/fuzz_config $(O)/fuzz/fuzz_xdp
# name, max input length, seed directories
fuzz_run = mkdir -p $(O)/fuzz/corpus_$(1) && echo "== fuzz_$(1) $(2)s" && \
	if ! $(O)/fuzz/fuzz_$(1) -max_total_time=$(2) -max_len=$(3) -print_final_stats=1 \
		-artifact_prefix=$(O)/fuzz/crash-$(1)- $(O)/fuzz/corpus_$(1) $(4) \
		>$(O)/fuzz/fuzz_$(1).log 2>&1; then \
		tail -n 60 $(O)/fuzz/fuzz_$(1).log; echo "fuzz_$(1): FAILED" >&2; exit 1; \
	fi && grep -E '^(Done|stat::number_of_executed_units)' $(O)/fuzz/fuzz_$(1).log

$(O)/fuzz/obj/%.o: %.c $(SKELS)
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

# The instrumented modules each fuzzer links, named by FUZZ_<name>_SRCS (a
# function: a literal % in a pattern rule's prerequisites would be the stem).
fuzz_objs = $(patsubst %.c,$(O)/fuzz/obj/%.o,$(FUZZ_$(1)_SRCS))
.SECONDEXPANSION:
$(O)/fuzz/fuzz_%: $(O)/fuzz/obj/tests/fuzz/fuzz_%.o $$(call fuzz_objs,$$*)
	$(call msg,LINK,$@)
	$(Q)$(CLANG) $(FUZZ_SAN) -fsanitize=fuzzer $^ $(FUZZ_$*_LIBS) -o $@

fuzzers: $(FUZZERS)

fuzz-short: $(FUZZERS)
	$(Q)set -e; $(call fuzz_run,config,$(FUZZ_SHORT_SECONDS),4096,tests/fuzz/corpus_config); \
		$(call fuzz_run,xdp,$(FUZZ_SHORT_SECONDS),600,)

fuzz: $(FUZZERS)
	$(Q)set -e; $(call fuzz_run,config,$(FUZZ_SECONDS),4096,tests/fuzz/corpus_config); \
		$(call fuzz_run,xdp,$(FUZZ_SECONDS),600,)

check: unit
	$(Q)sh tools/check_format.sh

test: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory check
	$(Q)$(MAKE) --no-print-directory bpftest
	$(Q)$(MAKE) --no-print-directory fuzz-short
	$(Q)$(MAKE) --no-print-directory e2e

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)O=$(O) bash tools/demo.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory all $(O)/tests/bpf/test_hb
	$(Q)O=$(O) bash tools/bench/run.sh

# The VM suite (docs/VMTEST.md): two Debian 12 guests on the stock 6.1 kernel
# under QEMU (TCG); the guest image is built once into VM_CACHE.
VM_CACHE ?= $(O)/vm
.PHONY: vmtest vm-image
vmtest: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)O=$(O) VM_CACHE=$(VM_CACHE) bash tools/vm/vm.sh run

vm-image:
	$(Q)O=$(O) VM_CACHE=$(VM_CACHE) bash tools/vm/vm.sh image

format:
	$(Q)clang-format -i $$(git ls-files '*.c' '*.h')

install: $(BINS)
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/man/man8 \
		$(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)/etc/hbpf
	install -m 0755 $(O)/hbpfd $(DESTDIR)$(PREFIX)/sbin/hbpfd
	install -m 0755 $(O)/hbpfctl $(DESTDIR)$(PREFIX)/sbin/hbpfctl
	install -m 0644 man/hbpfd.8 man/hbpfctl.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 0644 man/hbpf.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 etc/hbpf.conf.example $(DESTDIR)/etc/hbpf/hbpf.conf.example

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/hbpfd $(DESTDIR)$(PREFIX)/sbin/hbpfctl \
		$(DESTDIR)$(PREFIX)/share/man/man8/hbpfd.8 \
		$(DESTDIR)$(PREFIX)/share/man/man8/hbpfctl.8 \
		$(DESTDIR)$(PREFIX)/share/man/man5/hbpf.conf.5 \
		$(DESTDIR)/etc/hbpf/hbpf.conf.example

clean:
	rm -rf $(O)

-include $(shell find $(O) -name '*.d' 2>/dev/null)
