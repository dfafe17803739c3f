// SPDX-License-Identifier: GPL-2.0
/*
 * Parsing of the bus attributes new_device and del_device.
 *
 * Pure functions of (buf, count): no kernel state, no allocation, so KUnit
 * can drive every case. The grammar is deliberately narrow:
 *
 *   new_device:     ID [PORTS [QUEUES]]
 *   del_device:     ID
 *   link_device:    NETNSFD:IFINDEX NETNSFD:IFINDEX
 *   unlink_device:  NETNSFD:IFINDEX
 *
 * Numbers are unsigned decimal digits only (no sign, no 0x), separated and
 * optionally surrounded by spaces, tabs or newlines (echo's trailing
 * newline); the two numbers of a NETNSFD:IFINDEX pair are joined by one
 * colon, nothing around it. Anything else, including a NUL byte inside
 * @count, is -EINVAL.
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

/* The decimal number at buf[*i], at most U32_MAX; *i moves past it. */
static int vmq_parse_digits(const char *buf, size_t count, size_t *i,
			    u32 *val)
{
	u64 v = 0;

	if (*i >= count || !isdigit(buf[*i]))
		return -EINVAL;
	for (; *i < count && isdigit(buf[*i]); (*i)++) {
		v = v * 10 + (buf[*i] - '0');
		/* Checked per digit, so v itself cannot overflow. */
		if (v > U32_MAX)
			return -EINVAL;
	}
	*val = v;
	return 0;
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
		u32 val;

		if (vmq_is_sep(buf[i])) {
			i++;
			continue;
		}
		if (n == max_vals || vmq_parse_digits(buf, count, &i, &val))
			return -EINVAL;
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

/* Splits buf into at most max_ends "FD:IFINDEX" pairs; returns how many it
 * found. A file descriptor and an ifindex are ints; ifindex 0 names no
 * device.
 */
static int vmq_parse_ends(const char *buf, size_t count,
			  struct vmq_link_end *ends, unsigned int max_ends)
{
	unsigned int n = 0;
	size_t i = 0;

	if (count > VMQ_PARSE_MAX_LEN)
		return -E2BIG;

	while (i < count) {
		u32 fd, ifindex;

		if (vmq_is_sep(buf[i])) {
			i++;
			continue;
		}
		if (n == max_ends || vmq_parse_digits(buf, count, &i, &fd))
			return -EINVAL;
		if (i >= count || buf[i++] != ':')
			return -EINVAL;
		if (vmq_parse_digits(buf, count, &i, &ifindex))
			return -EINVAL;
		if (i < count && !vmq_is_sep(buf[i]))
			return -EINVAL;
		if (fd > INT_MAX || !ifindex || ifindex > INT_MAX)
			return -EINVAL;
		ends[n].netns_fd = fd;
		ends[n].ifindex = ifindex;
		n++;
	}

	return n;
}

/**
 * vmq_parse_link() - parse a link_device request
 * @buf: "NETNSFD_A:IFINDEX_A NETNSFD_B:IFINDEX_B", need not be NUL-terminated
 * @count: bytes in @buf
 * @args: filled in on success only
 *
 * Whether the two ends are the same port is for the caller to find out:
 * different fds can refer to the same namespace.
 *
 * Return: 0; -E2BIG if @count exceeds VMQ_PARSE_MAX_LEN; -EINVAL unless
 * @buf is exactly two pairs of a fd <= INT_MAX and an ifindex in
 * 1 .. INT_MAX.
 */
int vmq_parse_link(const char *buf, size_t count, struct vmq_link_args *args)
{
	struct vmq_link_args a;
	int n;

	n = vmq_parse_ends(buf, count, a.end, ARRAY_SIZE(a.end));
	if (n < 0)
		return n;
	if (n != ARRAY_SIZE(a.end))
		return -EINVAL;

	*args = a;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vmq_parse_link);

/**
 * vmq_parse_unlink() - parse an unlink_device request
 * @buf: "NETNSFD:IFINDEX", need not be NUL-terminated
 * @count: bytes in @buf
 * @end: filled in on success only
 *
 * Return: 0; -E2BIG if @count exceeds VMQ_PARSE_MAX_LEN; -EINVAL unless
 * @buf is exactly one pair as for vmq_parse_link().
 */
int vmq_parse_unlink(const char *buf, size_t count, struct vmq_link_end *end)
{
	struct vmq_link_end e;
	int n;

	n = vmq_parse_ends(buf, count, &e, 1);
	if (n < 0)
		return n;
	if (n != 1)
		return -EINVAL;

	*end = e;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vmq_parse_unlink);
