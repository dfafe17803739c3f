// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the link_device / unlink_device parser (drivers/net/
 * vmqnet/parse.c): every accepted form, every rejected one with its errno,
 * that a rejected request leaves the output untouched and that only the
 * first count bytes are read.
 */

#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "vmqnet.h"

struct vmq_link_case {
	const char *name;
	const char *buf;
	size_t count;
	int err;
	struct vmq_link_args args;
};

/* sizeof, not strlen: a case may hold a NUL inside its count. */
#define VMQ_LOK(_name, _buf, _fa, _ia, _fb, _ib) {			\
	.name = _name, .buf = _buf, .count = sizeof(_buf) - 1,		\
	.args = { .end = { { _fa, _ia }, { _fb, _ib } } },		\
}

#define VMQ_LERR(_name, _buf, _err) {					\
	.name = _name, .buf = _buf, .count = sizeof(_buf) - 1,		\
	.err = _err,							\
}

static const struct vmq_link_case vmq_link_cases[] = {
	VMQ_LOK("two pairs", "3:2 4:5", 3, 2, 4, 5),
	VMQ_LOK("newline", "3:2 4:5\n", 3, 2, 4, 5),
	VMQ_LOK("blanks", " \t10:7\t\t11:8\n", 10, 7, 11, 8),
	VMQ_LOK("same pair", "3:2 3:2", 3, 2, 3, 2),
	VMQ_LOK("fd zero", "0:1 0:2", 0, 1, 0, 2),
	VMQ_LOK("int max", "2147483647:2147483647 1:1", INT_MAX, INT_MAX,
		1, 1),
	VMQ_LOK("leading zeros", "03:02 04:05", 3, 2, 4, 5),
	VMQ_LERR("empty", "", -EINVAL),
	VMQ_LERR("newline only", "\n", -EINVAL),
	VMQ_LERR("one pair", "3:2", -EINVAL),
	VMQ_LERR("three pairs", "3:2 4:5 6:7", -EINVAL),
	VMQ_LERR("no colon", "3 2 4 5", -EINVAL),
	VMQ_LERR("missing ifindex", "3: 4:5", -EINVAL),
	VMQ_LERR("missing fd", ":2 4:5", -EINVAL),
	VMQ_LERR("colon at end", "3:2 4:", -EINVAL),
	VMQ_LERR("blank around colon", "3 :2 4:5", -EINVAL),
	VMQ_LERR("blank after colon", "3: 2 4:5", -EINVAL),
	VMQ_LERR("two colons", "3:2:1 4:5", -EINVAL),
	VMQ_LERR("comma", "3:2,4:5", -EINVAL),
	VMQ_LERR("ifindex zero", "3:0 4:5", -EINVAL),
	VMQ_LERR("negative fd", "-3:2 4:5", -EINVAL),
	VMQ_LERR("negative ifindex", "3:-2 4:5", -EINVAL),
	VMQ_LERR("hex", "0x3:2 4:5", -EINVAL),
	VMQ_LERR("letters", "a:b c:d", -EINVAL),
	VMQ_LERR("trailing word", "3:2 4:5 x", -EINVAL),
	VMQ_LERR("fd above int", "2147483648:2 4:5", -EINVAL),
	VMQ_LERR("ifindex above int", "3:2147483648 4:5", -EINVAL),
	VMQ_LERR("u32 overflow", "3:4294967296 4:5", -EINVAL),
	VMQ_LERR("embedded nul", "3:2\0 4:5", -EINVAL),
};

static const struct vmq_link_case vmq_unlink_cases[] = {
	VMQ_LOK("pair", "3:2", 3, 2, 0, 0),
	VMQ_LOK("newline", "3:2\n", 3, 2, 0, 0),
	VMQ_LOK("blanks", "  7:12\t\n", 7, 12, 0, 0),
	VMQ_LERR("empty", "", -EINVAL),
	VMQ_LERR("two pairs", "3:2 4:5", -EINVAL),
	VMQ_LERR("number only", "3", -EINVAL),
	VMQ_LERR("colon only", ":", -EINVAL),
	VMQ_LERR("ifindex zero", "3:0", -EINVAL),
	VMQ_LERR("fd above int", "2147483648:1", -EINVAL),
	VMQ_LERR("trailing nul", "3:2\0", -EINVAL),
};

static void vmq_link_case_desc(const struct vmq_link_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(vmq_link, vmq_link_cases, vmq_link_case_desc);
KUNIT_ARRAY_PARAM(vmq_unlink, vmq_unlink_cases, vmq_link_case_desc);

static const struct vmq_link_end vmq_link_poison = {
	.netns_fd = 0xdead, .ifindex = 0xbeef,
};

static void vmq_link_end_expect(struct kunit *test,
				const struct vmq_link_end *got,
				const struct vmq_link_end *want)
{
	KUNIT_EXPECT_EQ(test, got->netns_fd, want->netns_fd);
	KUNIT_EXPECT_EQ(test, got->ifindex, want->ifindex);
}

static void vmq_parse_link_test(struct kunit *test)
{
	const struct vmq_link_case *c = test->param_value;
	struct vmq_link_args args = {
		.end = { vmq_link_poison, vmq_link_poison },
	};
	const struct vmq_link_args *want = c->err ? NULL : &c->args;

	KUNIT_EXPECT_EQ(test, vmq_parse_link(c->buf, c->count, &args), c->err);
	/* A rejected request must not leave half-parsed values. */
	vmq_link_end_expect(test, &args.end[0],
			    want ? &want->end[0] : &vmq_link_poison);
	vmq_link_end_expect(test, &args.end[1],
			    want ? &want->end[1] : &vmq_link_poison);
}

static void vmq_parse_unlink_test(struct kunit *test)
{
	const struct vmq_link_case *c = test->param_value;
	struct vmq_link_end end = vmq_link_poison;

	KUNIT_EXPECT_EQ(test, vmq_parse_unlink(c->buf, c->count, &end),
			c->err);
	vmq_link_end_expect(test, &end,
			    c->err ? &vmq_link_poison : &c->args.end[0]);
}

/* Bytes past count are not part of the request. */
static void vmq_parse_link_count_test(struct kunit *test)
{
	struct vmq_link_args args;
	struct vmq_link_end end;

	KUNIT_EXPECT_EQ(test, vmq_parse_link("3:2 4:56", 7, &args), 0);
	KUNIT_EXPECT_EQ(test, args.end[1].ifindex, 5);
	KUNIT_EXPECT_EQ(test, vmq_parse_link("3:2 4:5", 5, &args), -EINVAL);
	KUNIT_EXPECT_EQ(test, vmq_parse_unlink("3:2x", 3, &end), 0);
	KUNIT_EXPECT_EQ(test, end.ifindex, 2);
	KUNIT_EXPECT_EQ(test, vmq_parse_unlink("3:2", 0, &end), -EINVAL);
}

/* Exactly VMQ_PARSE_MAX_LEN bytes is fine, one more is -E2BIG. */
static void vmq_parse_link_length_test(struct kunit *test)
{
	struct vmq_link_args args;
	struct vmq_link_end end;
	char *buf;

	buf = kunit_kmalloc(test, VMQ_PARSE_MAX_LEN + 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);

	memset(buf, ' ', VMQ_PARSE_MAX_LEN + 1);
	memcpy(buf, "3:2 4:5", 7);
	KUNIT_EXPECT_EQ(test, vmq_parse_link(buf, VMQ_PARSE_MAX_LEN, &args),
			0);
	KUNIT_EXPECT_EQ(test, vmq_parse_link(buf, VMQ_PARSE_MAX_LEN + 1,
					     &args), -E2BIG);
	memcpy(buf, "3:2    ", 7);
	KUNIT_EXPECT_EQ(test, vmq_parse_unlink(buf, VMQ_PARSE_MAX_LEN, &end),
			0);
	KUNIT_EXPECT_EQ(test, vmq_parse_unlink(buf, VMQ_PARSE_MAX_LEN + 1,
					       &end), -E2BIG);
}

static struct kunit_case vmq_link_parse_cases[] = {
	KUNIT_CASE_PARAM(vmq_parse_link_test, vmq_link_gen_params),
	KUNIT_CASE_PARAM(vmq_parse_unlink_test, vmq_unlink_gen_params),
	KUNIT_CASE(vmq_parse_link_count_test),
	KUNIT_CASE(vmq_parse_link_length_test),
	{}
};

static struct kunit_suite vmq_link_parse_suite = {
	.name = "vmqnet_link_parse",
	.test_cases = vmq_link_parse_cases,
};

kunit_test_suite(vmq_link_parse_suite);
