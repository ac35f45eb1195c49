// SPDX-License-Identifier: GPL-2.0-only
/*
 * A failed load is explained by what libbpf said, not guessed (bpflog.c):
 *   - a program the verifier refuses (tests/bpf/refused.bpf.c reads the
 *     packet unchecked): its name and the verifier's last lines, which the
 *     normal log does not repeat, and no word about pinned maps;
 *   - hbpf's object meeting a pinned "config" map of another value size,
 *     planted in a bpffs of the test's own (a private mount namespace): the
 *     map's path and how it differs.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpflog.h"
#include "hbpf.skel.h"
#include "log.h"

/* stderr (where the log goes) into a temporary file, and back. */
static FILE *cap;
static int saved_err = -1;

static void capture_start(void)
{
	fflush(stderr);
	cap = tmpfile();
	assert_non_null(cap);
	saved_err = dup(2);
	assert_true(saved_err >= 0);
	assert_true(dup2(fileno(cap), 2) == 2);
}

/* What was logged since capture_start, NUL-terminated (caller frees). */
static char *capture_end(void)
{
	long n;
	char *s;

	fflush(stderr);
	dup2(saved_err, 2);
	close(saved_err);
	n = ftell(cap);
	assert_true(n >= 0);
	s = calloc(1, (size_t)n + 1);
	assert_non_null(s);
	rewind(cap);
	assert_int_equal(fread(s, 1, (size_t)n, cap), (size_t)n);
	fclose(cap);
	return s;
}

static void test_verifier_refusal_is_explained(void **state)
{
	char exe[PATH_MAX], path[PATH_MAX + 32], *logged, *explained;
	struct bpf_object *obj;
	struct bpflog_why w;
	ssize_t n;
	int err, found = 0;

	(void)state;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	snprintf(path, sizeof(path), "%s/refused.bpf.o", dirname(exe));
	obj = bpf_object__open_file(path, NULL);
	assert_non_null(obj);

	capture_start();
	bpflog_reset();
	err = bpf_object__load(obj);
	logged = capture_end();
	assert_true(err < 0);

	bpflog_why(&w);
	assert_int_equal(w.kind, BPFLOG_VERIFIER);
	assert_string_equal(w.prog, "xdp_refused");
	assert_true(w.ntail >= 2 && w.ntail <= BPFLOG_TAIL);
	for (int i = 0; i < w.ntail; i++)
		found |= !!strstr(w.tail[i], "invalid access to packet");
	assert_true(found);
	assert_true(!strncmp(w.tail[w.ntail - 1], "processed ", 10));
	/* At info level the verifier's log itself is not repeated line by line. */
	if (strstr(logged, "invalid access to packet"))
		fail_msg("the verifier log was logged at info level:\n%s", logged);

	capture_start();
	bpflog_explain_load(obj, err, "/nonexistent");
	explained = capture_end();
	if (!strstr(explained, "error: the kernel's verifier refused program xdp_refused (") ||
	    !strstr(explained, "error:   verifier: ") ||
	    !strstr(explained, "invalid access to packet") || strstr(explained, "pinned"))
		fail_msg("explanation:\n%s", explained);
	free(logged);
	free(explained);
	bpf_object__close(obj);
}

static void test_pinned_map_of_another_layout_is_named(void **state)
{
	char dir[] = "/tmp/hbpf-loaderr.XXXXXX", pin[64], want[256], *explained;
	struct bpf_map *map;
	struct bpflog_why w;
	struct hbpf *skel;
	int fd, err;

	(void)state;
	/* A bpffs of our own, gone with this process's mount namespace. */
	assert_int_equal(unshare(CLONE_NEWNS), 0);
	assert_int_equal(mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(mount("bpf", dir, "bpf", 0, NULL), 0);
	snprintf(pin, sizeof(pin), "%s/config", dir);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "config", 4, 8, 1, NULL);
	assert_true(fd >= 0);
	assert_int_equal(bpf_obj_pin(fd, pin), 0);
	close(fd);

	skel = hbpf__open();
	assert_non_null(skel);
	bpf_object__for_each_map (map, skel->obj)
		if (!strcmp(bpf_map__name(map), "config"))
			assert_int_equal(bpf_map__set_pin_path(map, pin), 0);
	capture_start();
	bpflog_reset();
	err = hbpf__load(skel);
	free(capture_end());
	assert_true(err < 0);
	bpflog_why(&w);
	assert_int_equal(w.kind, BPFLOG_PINNED);
	assert_string_equal(w.pin_path, pin);

	capture_start();
	bpflog_explain_load(skel->obj, err, dir);
	explained = capture_end();
	snprintf(want, sizeof(want),
		 "error: the map pinned at %s has another layout (value size 8, this hbpfd "
		 "needs %u)",
		 pin, bpf_map__value_size(skel->maps.config));
	if (!strstr(explained, want) || strstr(explained, "verifier"))
		fail_msg("expected '%s' in:\n%s", want, explained);
	free(explained);
	hbpf__destroy(skel);
	unlink(pin);
	umount(dir);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verifier_refusal_is_explained),
		cmocka_unit_test(test_pinned_map_of_another_layout_is_named),
	};

	if (geteuid()) {
		printf("skip test_loaderr: needs root\n");
		return 0;
	}
	log_init("test_loaderr", 1, LOG_LVL_INFO);
	bpflog_hook();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
