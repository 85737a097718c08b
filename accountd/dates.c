/*
 * dates.c: the two time formats of the API: ISO 8601 UTC timestamps for
 * events, and "YYYY-MM-DD" days for expiry.  Untrusted days are checked by
 * parsing and formatting back, which refuses 2026-02-30 and friends.
 * And the monotonic milliseconds that durations are measured in.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "accountd.h"

char *
dates_iso8601(int64_t t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, len,
	    "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "%lld", (long long)t);
	return buf;
}

json_t *
dates_json(int64_t t)
{
	char buf[32];

	if (t == 0)
		return json_null();
	return json_string(dates_iso8601(t, buf, sizeof(buf)));
}

int
dates_check_day(const char *s, char *err, size_t errlen)
{
	struct tm tm;
	char back[DATE_LEN];
	const char *end;

	memset(&tm, 0, sizeof(tm));
	if (strlen(s) != DATE_LEN - 1 || (end = strptime(s, "%Y-%m-%d", &tm)) == NULL ||
	    *end != '\0')
		goto bad;
	tm.tm_isdst = 0;
	if (timegm(&tm) == (time_t)-1 ||
	    strftime(back, sizeof(back), "%Y-%m-%d", &tm) == 0 || strcmp(back, s) != 0)
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "'%.16s' is not a date: use YYYY-MM-DD, for example "
	    "2027-06-30", s);
	return -1;
}

void
dates_today(char *buf)
{
	struct tm tm;
	time_t now = time(NULL);

	gmtime_r(&now, &tm);
	strftime(buf, DATE_LEN, "%Y-%m-%d", &tm);
}

int64_t
dates_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
