// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the receive filter table (drivers/net/vmqnet/filter.c):
 * add, delete, duplicates, capacity, and lookup by MAC and VLAN through the
 * receive path's snapshot.
 */

#include <kunit/test.h>
#include <linux/etherdevice.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "filter.h"

static const u8 mac_a[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0x0a };
static const u8 mac_b[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0x0b };

static struct vmq_filter vmq_f(const u8 *mac, int vlan, u16 queue)
{
	struct vmq_filter f = { .queue = queue };

	ether_addr_copy(f.mac, mac);
	if (vlan >= 0) {
		f.has_vlan = true;
		f.vlan = vlan;
	}
	return f;
}

static struct vmq_filter_table *vmq_table(struct kunit *test)
{
	struct vmq_filter_table *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	return t;
}

static void vmq_filter_validate_cases(struct kunit *test)
{
	static const u8 bcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const u8 mcast[ETH_ALEN] = { 0x01, 0, 0x5e, 0, 0, 1 };
	static const u8 zero[ETH_ALEN];
	struct vmq_filter f;
	const char *why;

	f = vmq_f(mac_a, -1, 1);
	KUNIT_EXPECT_EQ(test, vmq_filter_validate(&f, &why), 0);
	f = vmq_f(mac_a, 4095, 1);
	KUNIT_EXPECT_EQ(test, vmq_filter_validate(&f, &why), 0);
	f = vmq_f(mac_a, 4096, 1);
	KUNIT_EXPECT_EQ(test, vmq_filter_validate(&f, &why), -EINVAL);
	f = vmq_f(bcast, -1, 1);
	KUNIT_EXPECT_EQ(test, vmq_filter_validate(&f, &why), -EINVAL);
	f = vmq_f(mcast, -1, 1);
	KUNIT_EXPECT_EQ(test, vmq_filter_validate(&f, &why), -EINVAL);
	f = vmq_f(zero, -1, 1);
	KUNIT_EXPECT_EQ(test, vmq_filter_validate(&f, &why), -EINVAL);
}

static void vmq_filter_add_del(struct kunit *test)
{
	struct vmq_filter_table *t = vmq_table(test);
	struct vmq_filter f = vmq_f(mac_a, -1, 3), old;
	const char *why;

	KUNIT_EXPECT_EQ(test, vmq_filter_add(t, &f, VMQ_FILTER_LOC_ANY, &why), 0);
	f = vmq_f(mac_b, -1, 3);
	KUNIT_EXPECT_EQ(test, vmq_filter_add(t, &f, 5, &why), 5);
	KUNIT_EXPECT_EQ(test, t->count, 2U);
	KUNIT_EXPECT_EQ(test, vmq_filter_queue_count(t, 3), 2U);
	KUNIT_EXPECT_EQ(test, vmq_filter_queue_count(t, 2), 0U);
	KUNIT_EXPECT_NOT_NULL(test, vmq_filter_get(t, 5));
	KUNIT_EXPECT_NULL(test, vmq_filter_get(t, 4));
	KUNIT_EXPECT_NULL(test, vmq_filter_get(t, VMQ_FILTERS_MAX));

	KUNIT_EXPECT_EQ(test, vmq_filter_del(t, 5, &old), 0);
	KUNIT_EXPECT_TRUE(test, ether_addr_equal(old.mac, mac_b));
	KUNIT_EXPECT_EQ(test, vmq_filter_del(t, 5, NULL), -ENOENT);
	KUNIT_EXPECT_EQ(test, vmq_filter_del(t, VMQ_FILTERS_MAX, NULL), -ENOENT);
	KUNIT_EXPECT_EQ(test, t->count, 1U);
	/* The freed location is the first free one again. */
	KUNIT_EXPECT_EQ(test, vmq_filter_del(t, 0, NULL), 0);
	KUNIT_EXPECT_EQ(test, vmq_filter_add(t, &f, VMQ_FILTER_LOC_ANY, &why), 0);
}

static void vmq_filter_duplicates(struct kunit *test)
{
	struct vmq_filter_table *t = vmq_table(test);
	struct vmq_filter f = vmq_f(mac_a, -1, 1);
	const char *why;

	KUNIT_ASSERT_EQ(test, vmq_filter_add(t, &f, 2, &why), 2);
	/* Same tests, other queue: still a duplicate. */
	f.queue = 2;
	KUNIT_EXPECT_EQ(test, vmq_filter_add(t, &f, VMQ_FILTER_LOC_ANY, &why),
			-EEXIST);
	/* Same MAC with a VLAN test is a different filter... */
	f = vmq_f(mac_a, 10, 2);
	KUNIT_EXPECT_EQ(test, vmq_filter_add(t, &f, VMQ_FILTER_LOC_ANY, &why), 0);
	KUNIT_EXPECT_EQ(test, vmq_filter_add(t, &f, VMQ_FILTER_LOC_ANY, &why),
			-EEXIST);
	/* ...and so is another VLAN. */
	f = vmq_f(mac_a, 11, 2);
	KUNIT_EXPECT_EQ(test, vmq_filter_add(t, &f, VMQ_FILTER_LOC_ANY, &why), 1);
	/* A taken location is refused, a location past the end too. */
	f = vmq_f(mac_b, -1, 2);
	KUNIT_EXPECT_EQ(test, vmq_filter_add(t, &f, 2, &why), -EEXIST);
	KUNIT_EXPECT_EQ(test, vmq_filter_add(t, &f, VMQ_FILTERS_MAX, &why),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, t->count, 3U);
}

static void vmq_filter_capacity(struct kunit *test)
{
	struct vmq_filter_table *t = vmq_table(test);
	struct vmq_filter f = vmq_f(mac_a, -1, 1);
	const char *why;
	int i;

	for (i = 0; i < VMQ_FILTERS_MAX; i++) {
		f.mac[5] = i + 1;
		KUNIT_ASSERT_EQ(test, vmq_filter_add(t, &f, VMQ_FILTER_LOC_ANY,
						     &why), i);
	}
	f.mac[5] = 0xee;
	KUNIT_EXPECT_EQ(test, vmq_filter_add(t, &f, VMQ_FILTER_LOC_ANY, &why),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, t->count, (unsigned int)VMQ_FILTERS_MAX);
	KUNIT_EXPECT_EQ(test, vmq_filter_del(t, 7, NULL), 0);
	KUNIT_EXPECT_EQ(test, vmq_filter_add(t, &f, VMQ_FILTER_LOC_ANY, &why), 7);
}

static void vmq_filter_lookup(struct kunit *test)
{
	struct vmq_filter_table *t = vmq_table(test);
	struct vmq_filter_snap *s;
	struct vmq_filter f;
	const char *why;

	KUNIT_EXPECT_EQ(test, vmq_filter_match(NULL, mac_a, false, 0), -1);

	/* MAC-only to queue 1 comes first in the table... */
	f = vmq_f(mac_a, -1, 1);
	KUNIT_ASSERT_GE(test, vmq_filter_add(t, &f, VMQ_FILTER_LOC_ANY, &why), 0);
	/* ...but the MAC+VLAN filter is more specific and wins when tagged. */
	f = vmq_f(mac_a, 100, 2);
	KUNIT_ASSERT_GE(test, vmq_filter_add(t, &f, VMQ_FILTER_LOC_ANY, &why), 0);
	f = vmq_f(mac_b, 200, 3);
	KUNIT_ASSERT_GE(test, vmq_filter_add(t, &f, VMQ_FILTER_LOC_ANY, &why), 0);

	s = vmq_filter_snap_build(t, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, s->n, 3U);
	KUNIT_EXPECT_EQ(test, vmq_filter_match(s, mac_a, false, 0), 1);
	KUNIT_EXPECT_EQ(test, vmq_filter_match(s, mac_a, true, 100), 2);
	KUNIT_EXPECT_EQ(test, vmq_filter_match(s, mac_a, true, 101), 1);
	KUNIT_EXPECT_EQ(test, vmq_filter_match(s, mac_b, true, 200), 3);
	/* The VLAN test is ANDed with the MAC test. */
	KUNIT_EXPECT_EQ(test, vmq_filter_match(s, mac_b, false, 0), -1);
	KUNIT_EXPECT_EQ(test, vmq_filter_match(s, mac_b, true, 100), -1);
	kfree(s);

	/* An empty table gives an empty snapshot that matches nothing. */
	KUNIT_EXPECT_EQ(test, vmq_filter_del(t, 0, NULL), 0);
	KUNIT_EXPECT_EQ(test, vmq_filter_del(t, 1, NULL), 0);
	KUNIT_EXPECT_EQ(test, vmq_filter_del(t, 2, NULL), 0);
	s = vmq_filter_snap_build(t, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, vmq_filter_match(s, mac_a, false, 0), -1);
	kfree(s);
}

static struct kunit_case vmq_filter_cases[] = {
	KUNIT_CASE(vmq_filter_validate_cases),
	KUNIT_CASE(vmq_filter_add_del),
	KUNIT_CASE(vmq_filter_duplicates),
	KUNIT_CASE(vmq_filter_capacity),
	KUNIT_CASE(vmq_filter_lookup),
	{}
};

static struct kunit_suite vmq_filter_suite = {
	.name = "vmqnet_filter",
	.test_cases = vmq_filter_cases,
};

kunit_test_suite(vmq_filter_suite);
