/* test_names.c: account and workspace name rules (lib/names.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "names.h"

static void
test_valid_accounts(void **state)
{
	const char *ok[] = { "alice", "a", "bob-smith", "x1", "0day",
	    "abcdefghijabcdefghijabcdefghijab" /* 32 */, "adminx", "rooty" };
	char err[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_int_equal(names_check_account(ok[i], err, sizeof(err)), 0);
}

static void
test_invalid_accounts(void **state)
{
	static const struct { const char *name, *why; } bad[] = {
		{ "", "empty" },
		{ "Alice", "uppercase" },
		{ "-alice", "starts or ends" },
		{ "alice-", "starts or ends" },
		{ "al_ice", "invalid character" },
		{ "al.ice", "invalid character" },
		{ "al ice", "invalid character" },
		{ "alicé", "invalid character" },
		{ "abcdefghijabcdefghijabcdefghijabc", "longer than 32" },
		{ "root", "reserved" },
		{ "meduse", "reserved" },
		{ "meduse-gw", "reserved" },
		{ "kube-system", "reserved" },
		{ "system-x", "reserved" },
		{ "default", "reserved" },
		{ "nobody", "reserved" },
	};
	char err[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(names_check_account(bad[i].name, err, sizeof(err)), -1);
		if (strstr(err, bad[i].why) == NULL)
			fail_msg("'%s': message '%s' lacks '%s'", bad[i].name, err,
			    bad[i].why);
	}
}

static void
test_workspaces_not_reserved(void **state)
{
	char err[128];

	(void)state;
	/* Workspace names live inside an account: "default" is fine there. */
	assert_int_equal(names_check_workspace("default", err, sizeof(err)), 0);
	assert_int_equal(names_check_workspace("GPU", err, sizeof(err)), -1);
}

static void
test_split_login(void **state)
{
	char a[NAME_MAX_LEN + 1], w[NAME_MAX_LEN + 1], err[128];

	(void)state;
	assert_int_equal(names_split_login("alice", a, w, err, sizeof(err)), 0);
	assert_string_equal(a, "alice");
	assert_string_equal(w, "");
	assert_int_equal(names_split_login("alice+gpu", a, w, err, sizeof(err)), 0);
	assert_string_equal(a, "alice");
	assert_string_equal(w, "gpu");
	assert_int_equal(names_split_login("alice+", a, w, err, sizeof(err)), -1);
	assert_string_equal(a, "");
	assert_int_equal(names_split_login("+gpu", a, w, err, sizeof(err)), -1);
	assert_int_equal(names_split_login("alice+gpu+x", a, w, err, sizeof(err)), -1);
	assert_int_equal(names_split_login("root+gpu", a, w, err, sizeof(err)), -1);
	assert_int_equal(names_split_login(
	    "abcdefghijabcdefghijabcdefghijabcdefghij+x", a, w, err, sizeof(err)), -1);
	assert_int_equal(names_split_login(
	    "alice+abcdefghijabcdefghijabcdefghijabc", a, w, err, sizeof(err)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_accounts),
		cmocka_unit_test(test_invalid_accounts),
		cmocka_unit_test(test_workspaces_not_reserved),
		cmocka_unit_test(test_split_login),
	};

	return cmocka_run_group_tests_name("names", tests, NULL, NULL);
}
