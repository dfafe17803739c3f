// SPDX-License-Identifier: GPL-2.0
/*
 * Parsing of the bus attributes new_device and del_device.
 *
 * Pure functions of (buf, count): no kernel state, no allocation, so KUnit
 * can drive every case. The grammar is deliberately narrow:
 *
 *   new_device:  ID [PORTS [QUEUES]]
 *   del_device:  ID
 *
 * Numbers are unsigned decimal digits only (no sign, no 0x), separated and
 * optionally surrounded by spaces, tabs or newlines (echo's trailing
 * newline). Anything else, including a NUL byte inside @count, is -EINVAL.
 * Only the first @count bytes are read, so @buf need not be NUL-terminated.
 */

#include <kunit/visibility.h>
#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/limits.h>

#include "vmqnet.h"

/* Not isspace(): the kernel's ctype also counts Latin-1 0xa0 as space. */
static bool vmq_is_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* Splits buf into at most max_vals u32 numbers; returns how many it found. */
static int vmq_parse_u32s(const char *buf, size_t count, u32 *vals,
			  unsigned int max_vals)
{
	unsigned int n = 0;
	size_t i = 0;

	if (count > VMQ_PARSE_MAX_LEN)
		return -E2BIG;

	while (i < count) {
		u64 val = 0;

		if (vmq_is_sep(buf[i])) {
			i++;
			continue;
		}
		if (!isdigit(buf[i]) || n == max_vals)
			return -EINVAL;
		for (; i < count && isdigit(buf[i]); i++) {
			val = val * 10 + (buf[i] - '0');
			/* Checked per digit, so val itself cannot overflow. */
			if (val > U32_MAX)
				return -EINVAL;
		}
		/* "12ab": a number must end at whitespace or at the end. */
		if (i < count && !vmq_is_sep(buf[i]))
			return -EINVAL;
		vals[n++] = val;
	}

	return n ? n : -EINVAL;
}

/**
 * vmq_parse_new_device() - parse and validate a new_device request
 * @buf: "ID [PORTS [QUEUES]]", need not be NUL-terminated
 * @count: bytes in @buf
 * @args: filled in on success only, PORTS and QUEUES defaulted if absent
 *
 * Return: 0; -E2BIG if @count exceeds VMQ_PARSE_MAX_LEN; -EINVAL if the
 * string is malformed or a value is outside the limits in vmqnet.h.
 */
int vmq_parse_new_device(const char *buf, size_t count,
			 struct vmq_new_dev_args *args)
{
	struct vmq_new_dev_args a;
	u32 vals[3];
	int n;

	n = vmq_parse_u32s(buf, count, vals, ARRAY_SIZE(vals));
	if (n < 0)
		return n;

	a.id = vals[0];
	a.ports = n > 1 ? vals[1] : VMQ_PORTS_DEFAULT;
	a.queues = n > 2 ? vals[2] : VMQ_QUEUES_DEFAULT;

	if (a.id > VMQ_DEV_ID_MAX ||
	    a.ports < 1 || a.ports > VMQ_PORTS_MAX ||
	    a.queues < 1 || a.queues > VMQ_QUEUES_MAX)
		return -EINVAL;

	*args = a;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vmq_parse_new_device);

/**
 * vmq_parse_del_device() - parse and validate a del_device request
 * @buf: "ID", need not be NUL-terminated
 * @count: bytes in @buf
 * @id: filled in on success only
 *
 * Return: 0; -E2BIG if @count exceeds VMQ_PARSE_MAX_LEN; -EINVAL if the
 * string is not exactly one number or the ID exceeds VMQ_DEV_ID_MAX.
 */
int vmq_parse_del_device(const char *buf, size_t count, u32 *id)
{
	u32 val;
	int n;

	n = vmq_parse_u32s(buf, count, &val, 1);
	if (n < 0)
		return n;
	if (val > VMQ_DEV_ID_MAX)
		return -EINVAL;

	*id = val;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vmq_parse_del_device);
