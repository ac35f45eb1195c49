// SPDX-License-Identifier: GPL-2.0-only
/* Timer margin of a heartbeat link (see margin.h). */
#include <stdio.h>

#include "margin.h"

#define MARGIN_MAX_MULT 100 /* the config's limit for detect-mult */

void margin_judge(uint64_t interval_ns, uint32_t detect_mult, uint64_t rtt_avg_ns,
		  uint64_t jitter_ns, struct margin *m)
{
	uint64_t need = interval_ns + 4 * jitter_ns, mult;

	if (rtt_avg_ns > need)
		need = rtt_avg_ns;
	m->detect_ns = interval_ns * detect_mult;
	m->need_ns = need;
	m->tight = 2 * need > m->detect_ns;
	mult = interval_ns ? (2 * need + interval_ns - 1) / interval_ns : MARGIN_MAX_MULT;
	if (mult < detect_mult)
		mult = detect_mult;
	m->suggest_mult = mult > MARGIN_MAX_MULT ? MARGIN_MAX_MULT : (uint32_t)mult;
}

int margin_fresh(uint64_t now_ns, uint64_t last_seen_ns)
{
	return last_seen_ns >= now_ns || now_ns - last_seen_ns <= MARGIN_FRESH_NS;
}

int margin_format(const struct margin *m, uint64_t rtt_avg_ns, uint64_t jitter_ns, char *buf,
		  size_t len)
{
	if (!m->tight)
		return snprintf(buf, len,
				"jitter %.2f ms, rtt %.2f ms: detection time %.1f ms has margin",
				(double)jitter_ns / 1e6, (double)rtt_avg_ns / 1e6,
				(double)m->detect_ns / 1e6);
	return snprintf(buf, len,
			"jitter %.2f ms, rtt %.2f ms: detection time %.1f ms leaves too little "
			"margin over the %.2f ms gaps expected; raise interval or detect-mult "
			"(detect-mult %u at this interval)",
			(double)jitter_ns / 1e6, (double)rtt_avg_ns / 1e6,
			(double)m->detect_ns / 1e6, (double)m->need_ns / 1e6, m->suggest_mult);
}
