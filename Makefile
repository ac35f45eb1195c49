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

BINS := $(O)/hbpfd $(O)/hbpfctl

.PHONY: all deps test check unit bpftest e2e demo bench install uninstall clean format

all: $(BINS) $(TOOLS) $(UNIT_TESTS) $(BPF_TESTS)

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

$(O)/tests/bpf/%: tests/bpf/%.c $(LIB) $(SKELS)
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

check: unit
	$(Q)sh tools/check_format.sh

test: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory check
	$(Q)$(MAKE) --no-print-directory bpftest
	$(Q)$(MAKE) --no-print-directory e2e

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)O=$(O) bash tools/demo.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)O=$(O) sh tools/bench/run.sh

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
