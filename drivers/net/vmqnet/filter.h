/* SPDX-License-Identifier: GPL-2.0 */
/* vmqnet receive filters (filter.c): pure logic, also tested by KUnit. */
#ifndef _VMQNET_FILTER_H
#define _VMQNET_FILTER_H

#include <linux/bitmap.h>
#include <linux/if_ether.h>
#include <linux/rcupdate.h>
#include <linux/types.h>

/* MaxMacHeaderFilters of a port: the capacity of its filter table. */
#define VMQ_FILTERS_MAX		32
#define VMQ_FILTER_LOC_ANY	U32_MAX

/**
 * struct vmq_filter - one receive filter
 * @mac: destination MAC to match (always tested)
 * @has_vlan: also test the VLAN id
 * @vlan: VLAN id to match, when @has_vlan
 * @queue: the queue a matching frame goes to
 */
struct vmq_filter {
	u8 mac[ETH_ALEN];
	bool has_vlan;
	u16 vlan;
	u16 queue;
};

/**
 * struct vmq_filter_table - a port's filters, by location
 * @slots: the filters
 * @used: which slots hold one
 * @count: how many do
 */
struct vmq_filter_table {
	struct vmq_filter slots[VMQ_FILTERS_MAX];
	DECLARE_BITMAP(used, VMQ_FILTERS_MAX);
	unsigned int count;
};

/**
 * struct vmq_filter_snap - the receive path's read-only copy of a table
 * @rcu: frees it after a grace period
 * @n: number of filters
 * @f: the filters, MAC+VLAN ones first
 */
struct vmq_filter_snap {
	struct rcu_head rcu;
	unsigned int n;
	struct vmq_filter f[];
};

int vmq_filter_validate(const struct vmq_filter *f, const char **why);
int vmq_filter_add(struct vmq_filter_table *t, const struct vmq_filter *f,
		   u32 loc, const char **why);
int vmq_filter_del(struct vmq_filter_table *t, u32 loc, struct vmq_filter *old);
const struct vmq_filter *vmq_filter_get(const struct vmq_filter_table *t,
					u32 loc);
unsigned int vmq_filter_queue_count(const struct vmq_filter_table *t,
				    u16 queue);
struct vmq_filter_snap *vmq_filter_snap_build(const struct vmq_filter_table *t,
					      gfp_t gfp);
int vmq_filter_match(const struct vmq_filter_snap *s, const u8 *dst,
		     bool tagged, u16 vlan);

#endif /* _VMQNET_FILTER_H */
