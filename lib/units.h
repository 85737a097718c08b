/*
 * units.h: the units written in meduse.yaml and on the accountctl command
 * line.  Durations ("500ms", "30s", "5m", "2h", "1d") and Kubernetes
 * quantities ("500m", "8", "1.5", "32Gi", "200G") are parsed here, once, into
 * integers; everything else handles only the integers.
 */
#ifndef MEDUSE_UNITS_H
#define MEDUSE_UNITS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parses a duration: a non-negative integer followed by one of ms, s, m, h, d
 * (a bare "0" is allowed).  Whitespace, signs, fractions and overflow are
 * refused.  Returns 0 and sets *ms, or -1 with a reason in err.
 */
int	units_parse_duration(const char *s, uint64_t *ms, char *err, size_t errlen);

/*
 * Parses a Kubernetes quantity: a non-negative decimal number (at most three
 * fractional digits after scaling) with an optional suffix m, k, M, G, T, P, E,
 * Ki, Mi, Gi, Ti, Pi, Ei.  The result is in thousandths of the unit ("500m" ->
 * 500, "2" -> 2000, "1Ki" -> 1024000), so CPU millicores fit as they are.
 * Returns 0, or -1 with a reason in err (bad syntax, negative, overflow).
 */
int	units_parse_quantity(const char *s, int64_t *milli, char *err, size_t errlen);

/* Like units_parse_quantity, for things counted in whole units (bytes, GPUs, PVCs): a
 * fraction ("500m" of memory, "1.5" GPUs) is refused. */
int	units_parse_count(const char *s, int64_t *count, char *err, size_t errlen);

/*
 * Formats a CPU amount in millicores as Kubernetes writes it: "8" when whole,
 * "500m" otherwise.  Formats a byte count with the largest binary suffix that
 * divides it exactly ("32Gi", "1536Mi", "1000").  Both write a NUL-terminated
 * string into buf and return buf.
 */
char	*units_format_cpu(int64_t milli, char *buf, size_t len);
char	*units_format_bytes(int64_t bytes, char *buf, size_t len);

#endif
