# meduse build.  `make` builds everything under $(BUILD); `make check` runs every
# suite twice, plainly and under AddressSanitizer + UBSan; `make demo` starts the
# demo.  Sources are picked up by folder so adding a file needs no edit here.

BUILD    ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
SAN      ?= 0
CC       ?= cc
FUZZCC   ?= clang
GATEWAY_GROUP ?= meduse

PKGS     := libssh jansson yaml-0.1 sqlite3 libcurl libcrypto libargon2
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -fPIC -Ilib -Ishell $(PKG_CFLAGS) \
            -DMEDUSE_VERSION=\"$(VERSION)\"
LDLIBS   += $(PKG_LIBS) -lpam
# Each program loads only the libraries it uses: meduse-authorized-keys runs
# on every login, and loading libssh/libcrypto would cost more than its work.
LDFLAGS  += -Wl,--as-needed
ifeq ($(SAN),1)
CFLAGS   += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS  += -fsanitize=address,undefined
endif
VERSION  := 0.1.0

LIB_SRC        := $(wildcard lib/*.c)
ACCOUNTCTL_SRC := accountd/accountctl.c $(wildcard accountd/ctl_*.c)
ACCOUNTD_MAIN  := accountd/accountd.c
ACCOUNTD_CORE  := $(filter-out $(ACCOUNTD_MAIN) $(ACCOUNTCTL_SRC),$(wildcard accountd/*.c))
AKEYS_SRC      := $(wildcard sshd-plugin/authorized_keys*.c)
SSHD_SRC       := $(filter-out $(AKEYS_SRC),$(wildcard sshd-plugin/*.c))
PAM_SRC        := $(wildcard pam/*.c)
SHELL_MAIN     := shell/main.c
SHELL_LIB_SRC  := $(filter-out $(SHELL_MAIN),$(wildcard shell/*.c))
UNIT_SRC       := $(wildcard tests/unit/test_*.c)
FUZZ_SRC       := $(wildcard tests/fuzz/fuzz_*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIBMEDUSE  := $(BUILD)/lib/libmeduse.a
LIBACCTD   := $(BUILD)/lib/libaccountd.a
LIBSHELL   := $(BUILD)/lib/libshell.a
BINS       := $(BUILD)/bin/accountd $(BUILD)/bin/accountctl $(BUILD)/bin/meduse-authorized-keys
ifneq ($(SSHD_SRC),)
BINS       += $(BUILD)/bin/meduse-sshd
endif
ifneq ($(wildcard $(SHELL_MAIN)),)
BINS       += $(BUILD)/bin/meduse-shell
endif
PAMMOD     := $(BUILD)/lib/pam_meduse.so
UNIT_BINS  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
FUZZ_BINS  := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))

.PHONY: all deps check check-plain check-san unit integration fuzz demo install clean tests

all: $(BINS) $(PAMMOD)

tests: all $(UNIT_BINS)

deps:
	@scripts/deps.sh

$(BUILD)/obj/%.o: %.c $(wildcard lib/*.h accountd/*.h sshd-plugin/*.h pam/*.h shell/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(LIBMEDUSE): $(call obj,$(LIB_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIBACCTD): $(call obj,$(ACCOUNTD_CORE))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIBSHELL): $(call obj,$(SHELL_LIB_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/bin/accountd: $(call obj,$(ACCOUNTD_MAIN)) $(LIBACCTD) $(LIBMEDUSE)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bin/accountctl: $(call obj,$(ACCOUNTCTL_SRC)) $(LIBMEDUSE)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# sshd runs meduse-authorized-keys for every key offered at every login:
# linked statically (but for sanitizer builds, which cannot be), it starts
# without the dynamic loader's work.  It needs only jansson and libyaml.
ifeq ($(SAN),1)
AKEYS_LDFLAGS :=
else
AKEYS_LDFLAGS := -static
endif
$(BUILD)/bin/meduse-authorized-keys: $(call obj,$(AKEYS_SRC)) $(LIBMEDUSE)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $(AKEYS_LDFLAGS) -o $@ $^ -ljansson -lyaml

$(BUILD)/bin/meduse-sshd: $(call obj,$(SSHD_SRC)) $(LIBSHELL) $(LIBMEDUSE)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The standalone restricted shell for stock OpenSSH; it shares the
# gateway's route and upstream code (sshd-plugin/route.c, upstream.c).
$(BUILD)/bin/meduse-shell: $(call obj,$(SHELL_MAIN) sshd-plugin/route.c sshd-plugin/upstream.c) $(LIBSHELL) $(LIBMEDUSE)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The PAM module is loaded into other programs: it links only lib/ code that
# never exits, and refuses to link with undefined symbols.
$(PAMMOD): $(call obj,$(PAM_SRC)) $(LIBMEDUSE)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -shared -Wl,--no-undefined -Wl,--exclude-libs,ALL -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIBACCTD) $(LIBSHELL) $(LIBMEDUSE) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iaccountd $(LDFLAGS) -o $@ $(filter-out %.h,$^) $(LDLIBS) -lcmocka

# libFuzzer targets need clang: the shared sources are compiled once, with
# the fuzzer's coverage and the sanitizers, into an archive of their own
# (not from $(BUILD)/obj), and each target links what it uses from it.
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -Ilib -Ishell -Iaccountd $(PKG_CFLAGS) \
	    -fsanitize=fuzzer-no-link,address,undefined
FUZZ_LIB    := $(BUILD)/fuzz/libfuzz.a

$(BUILD)/fuzz/obj/%.o: %.c $(wildcard lib/*.h shell/*.h)
	@mkdir -p $(dir $@)
	$(FUZZCC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_LIB): $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(SHELL_LIB_SRC) $(LIB_SRC))
	rm -f $@ && ar rcs $@ $^

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB)
	$(FUZZCC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS) -lpam

fuzz: $(FUZZ_BINS)

unit: tests
	@tests/run-unit.sh $(BUILD)

integration: tests
	@tests/run-integration.sh $(BUILD)

# Builds use every CPU; the test runners set their own parallelism.
NPROC    := $(shell nproc 2>/dev/null || echo 2)

check-plain:
	$(MAKE) -j$(NPROC) BUILD=build tests
	tests/run-unit.sh build
	tests/run-integration.sh build

check-san:
	$(MAKE) -j$(NPROC) BUILD=build/san SAN=1 tests
	tests/run-unit.sh build/san
	MEDUSE_SAN=1 tests/run-integration.sh build/san

check: deps
	$(MAKE) check-plain
	$(MAKE) check-san
	$(MAKE) -j$(NPROC) BUILD=build fuzz
	tests/run-fuzz.sh build

demo: deps
	$(MAKE) -s --no-print-directory BUILD=$(BUILD) all
	scripts/demo.sh --no-build $(BUILD)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/sbin \
	    $(DESTDIR)$(PREFIX)/lib/security $(DESTDIR)$(PREFIX)/share/man/man5 \
	    $(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)/etc/meduse \
	    $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/lib/systemd/system
	install -m 0755 $(BUILD)/bin/accountctl $(DESTDIR)$(PREFIX)/bin/
	# meduse-shell speaks for its user to accountd: setgid to the gateway
	# group when that group exists (else see meduse-shell(1)).
	install -m 0755 $(BUILD)/bin/meduse-shell $(DESTDIR)$(PREFIX)/bin/
	if getent group $(GATEWAY_GROUP) >/dev/null; then \
	    chgrp $(GATEWAY_GROUP) $(DESTDIR)$(PREFIX)/bin/meduse-shell && \
	    chmod 2755 $(DESTDIR)$(PREFIX)/bin/meduse-shell; fi
	if ls docs/reference/man/*.1 >/dev/null 2>&1; then \
	    install -m 0644 docs/reference/man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/; fi
	install -m 0755 $(BUILD)/bin/accountd $(BUILD)/bin/meduse-authorized-keys \
	    $(BUILD)/bin/meduse-sshd $(DESTDIR)$(PREFIX)/sbin/
	install -m 0644 $(PAMMOD) $(DESTDIR)$(PREFIX)/lib/security/
	install -m 0644 docs/reference/man/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 docs/reference/man/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 0644 scripts/meduse.yaml.example $(DESTDIR)/etc/meduse/meduse.yaml.example
	for u in accountd meduse-sshd; do \
	    sed 's|@SBINDIR@|$(PREFIX)/sbin|g' scripts/systemd/$$u.service.in \
	        > $(DESTDIR)$(PREFIX)/lib/systemd/system/$$u.service && \
	    chmod 0644 $(DESTDIR)$(PREFIX)/lib/systemd/system/$$u.service || exit 1; \
	done

clean:
	rm -rf build
