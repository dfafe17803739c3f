// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the new_device / del_device parser (drivers/net/vmqnet/
 * parse.c): every accepted form, every rejected one with its errno, and
 * that only the first count bytes are read.
 */

#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/string.h>

#include "vmqnet.h"

struct vmq_parse_case {
	const char *name;
	const char *buf;
	size_t count;
	int err;
	struct vmq_new_dev_args args;
};

/* sizeof, not strlen: a case may hold a NUL inside its count. */
#define VMQ_OK(_name, _buf, _id, _ports, _queues) {			\
	.name = _name, .buf = _buf, .count = sizeof(_buf) - 1,		\
	.args = { .id = _id, .ports = _ports, .queues = _queues },	\
}

#define VMQ_ERR(_name, _buf, _err) {					\
	.name = _name, .buf = _buf, .count = sizeof(_buf) - 1,		\
	.err = _err,							\
}

static const struct vmq_parse_case vmq_new_cases[] = {
	VMQ_OK("id only", "1", 1, VMQ_PORTS_DEFAULT, VMQ_QUEUES_DEFAULT),
	VMQ_OK("id newline", "1\n", 1, VMQ_PORTS_DEFAULT, VMQ_QUEUES_DEFAULT),
	VMQ_OK("id ports", "7 2\n", 7, 2, VMQ_QUEUES_DEFAULT),
	VMQ_OK("id ports queues", "1 2 8\n", 1, 2, 8),
	VMQ_OK("id zero", "0", 0, VMQ_PORTS_DEFAULT, VMQ_QUEUES_DEFAULT),
	VMQ_OK("id max", "65535", VMQ_DEV_ID_MAX, VMQ_PORTS_DEFAULT,
	       VMQ_QUEUES_DEFAULT),
	VMQ_OK("leading zeros", "007 01 02", 7, 1, 2),
	VMQ_OK("tabs and spaces", "  3\t2  16 \t\n", 3, 2, 16),
	VMQ_OK("ports max", "1 8", 1, VMQ_PORTS_MAX, VMQ_QUEUES_DEFAULT),
	VMQ_OK("queues max", "1 1 16", 1, 1, VMQ_QUEUES_MAX),
	VMQ_OK("queues one", "1 1 1", 1, 1, 1),
	VMQ_ERR("empty", "", -EINVAL),
	VMQ_ERR("newline only", "\n", -EINVAL),
	VMQ_ERR("blanks only", " \t ", -EINVAL),
	VMQ_ERR("letters", "abc", -EINVAL),
	VMQ_ERR("number then letters", "1x", -EINVAL),
	VMQ_ERR("trailing word", "1 2 3 x", -EINVAL),
	VMQ_ERR("four numbers", "1 2 3 4", -EINVAL),
	VMQ_ERR("garbage after newline", "1 2 3\nx", -EINVAL),
	VMQ_ERR("negative", "-1", -EINVAL),
	VMQ_ERR("plus sign", "+1", -EINVAL),
	VMQ_ERR("hex", "0x1", -EINVAL),
	VMQ_ERR("comma", "1,2", -EINVAL),
	VMQ_ERR("embedded nul", "1\0 2", -EINVAL),
	VMQ_ERR("trailing nul", "1\0", -EINVAL),
	VMQ_ERR("latin-1 nbsp", "1\xa0", -EINVAL),
	VMQ_ERR("id above max", "65536", -EINVAL),
	VMQ_ERR("id u32 max", "4294967295", -EINVAL),
	VMQ_ERR("id u32 overflow", "4294967296", -EINVAL),
	VMQ_ERR("id u64 overflow", "99999999999999999999999", -EINVAL),
	VMQ_ERR("ports zero", "1 0", -EINVAL),
	VMQ_ERR("ports above max", "1 9", -EINVAL),
	VMQ_ERR("ports overflow", "1 4294967297", -EINVAL),
	VMQ_ERR("queues zero", "1 1 0", -EINVAL),
	VMQ_ERR("queues above max", "1 1 17", -EINVAL),
};

static const struct vmq_parse_case vmq_del_cases[] = {
	VMQ_OK("id", "1", 1, 0, 0),
	VMQ_OK("id newline", "42\n", 42, 0, 0),
	VMQ_OK("id zero", "0", 0, 0, 0),
	VMQ_OK("id max", " 65535 ", VMQ_DEV_ID_MAX, 0, 0),
	VMQ_ERR("empty", "", -EINVAL),
	VMQ_ERR("newline only", "\n", -EINVAL),
	VMQ_ERR("two numbers", "1 2", -EINVAL),
	VMQ_ERR("letters", "x", -EINVAL),
	VMQ_ERR("number then letters", "1x", -EINVAL),
	VMQ_ERR("negative", "-1", -EINVAL),
	VMQ_ERR("embedded nul", "1\0", -EINVAL),
	VMQ_ERR("id above max", "65536", -EINVAL),
	VMQ_ERR("id overflow", "4294967296", -EINVAL),
};

static void vmq_parse_case_desc(const struct vmq_parse_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(vmq_new, vmq_new_cases, vmq_parse_case_desc);
KUNIT_ARRAY_PARAM(vmq_del, vmq_del_cases, vmq_parse_case_desc);

static const struct vmq_new_dev_args vmq_poison = {
	.id = 0xdead, .ports = 0xbeef, .queues = 0xf00d,
};

static void vmq_parse_new_test(struct kunit *test)
{
	const struct vmq_parse_case *c = test->param_value;
	struct vmq_new_dev_args args = vmq_poison;

	KUNIT_EXPECT_EQ(test, vmq_parse_new_device(c->buf, c->count, &args),
			c->err);
	if (c->err) {
		/* A rejected request must not leave half-parsed values. */
		KUNIT_EXPECT_EQ(test, args.id, vmq_poison.id);
		KUNIT_EXPECT_EQ(test, args.ports, vmq_poison.ports);
		KUNIT_EXPECT_EQ(test, args.queues, vmq_poison.queues);
		return;
	}
	KUNIT_EXPECT_EQ(test, args.id, c->args.id);
	KUNIT_EXPECT_EQ(test, args.ports, c->args.ports);
	KUNIT_EXPECT_EQ(test, args.queues, c->args.queues);
}

static void vmq_parse_del_test(struct kunit *test)
{
	const struct vmq_parse_case *c = test->param_value;
	u32 id = vmq_poison.id;

	KUNIT_EXPECT_EQ(test, vmq_parse_del_device(c->buf, c->count, &id),
			c->err);
	KUNIT_EXPECT_EQ(test, id, c->err ? vmq_poison.id : c->args.id);
}

/* Bytes past count are not part of the request, NUL or not. */
static void vmq_parse_count_test(struct kunit *test)
{
	struct vmq_new_dev_args args;
	u32 id;

	KUNIT_EXPECT_EQ(test, vmq_parse_new_device("12 3 x", 4, &args), 0);
	KUNIT_EXPECT_EQ(test, args.id, 12);
	KUNIT_EXPECT_EQ(test, args.ports, 3);
	KUNIT_EXPECT_EQ(test, args.queues, VMQ_QUEUES_DEFAULT);

	KUNIT_EXPECT_EQ(test, vmq_parse_del_device("123", 2, &id), 0);
	KUNIT_EXPECT_EQ(test, id, 12);

	KUNIT_EXPECT_EQ(test, vmq_parse_new_device("1", 0, &args), -EINVAL);
	KUNIT_EXPECT_EQ(test, vmq_parse_del_device("1", 0, &id), -EINVAL);
}

/* Exactly VMQ_PARSE_MAX_LEN bytes is fine, one more is -E2BIG. */
static void vmq_parse_length_test(struct kunit *test)
{
	struct vmq_new_dev_args args;
	char *buf;
	u32 id;

	buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);

	memset(buf, ' ', PAGE_SIZE);
	buf[0] = '5';
	KUNIT_EXPECT_EQ(test, vmq_parse_new_device(buf, VMQ_PARSE_MAX_LEN,
						   &args), 0);
	KUNIT_EXPECT_EQ(test, args.id, 5);
	KUNIT_EXPECT_EQ(test, vmq_parse_del_device(buf, VMQ_PARSE_MAX_LEN,
						   &id), 0);
	KUNIT_EXPECT_EQ(test, id, 5);

	KUNIT_EXPECT_EQ(test, vmq_parse_new_device(buf, VMQ_PARSE_MAX_LEN + 1,
						   &args), -E2BIG);
	KUNIT_EXPECT_EQ(test, vmq_parse_del_device(buf, VMQ_PARSE_MAX_LEN + 1,
						   &id), -E2BIG);

	/* What sysfs hands over for an overlong write: a full page. */
	memset(buf, '1', PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, vmq_parse_new_device(buf, PAGE_SIZE, &args),
			-E2BIG);
	KUNIT_EXPECT_EQ(test, vmq_parse_del_device(buf, PAGE_SIZE, &id),
			-E2BIG);
}

static struct kunit_case vmq_parse_test_cases[] = {
	KUNIT_CASE_PARAM(vmq_parse_new_test, vmq_new_gen_params),
	KUNIT_CASE_PARAM(vmq_parse_del_test, vmq_del_gen_params),
	KUNIT_CASE(vmq_parse_count_test),
	KUNIT_CASE(vmq_parse_length_test),
	{}
};

static struct kunit_suite vmq_parse_test_suite = {
	.name = "vmqnet_parse",
	.test_cases = vmq_parse_test_cases,
};

kunit_test_suite(vmq_parse_test_suite);

MODULE_DESCRIPTION("KUnit tests of the vmqnet sysfs input parser");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
