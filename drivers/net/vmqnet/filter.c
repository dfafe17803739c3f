// SPDX-License-Identifier: GPL-2.0
/*
 * Receive filters: the table behind NDIS SET_FILTER / CLEAR_FILTER.
 *
 * A filter tests the destination MAC and, optionally, the VLAN id; the tests
 * of one filter are ANDed and the filters of one queue are ORed. The table
 * is changed under the port's configuration lock (RTNL) and indexed by
 * location, which is both the ethtool rule location and, plus one, the NDIS
 * filter id (NDIS ids start at 1).
 *
 * The receive path never walks the table itself: every change publishes an
 * immutable snapshot under RCU, ordered so that a MAC+VLAN filter wins over
 * a MAC-only one for a tagged frame.
 */
#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "filter.h"

static bool vmq_filter_same_match(const struct vmq_filter *a,
				  const struct vmq_filter *b)
{
	return ether_addr_equal(a->mac, b->mac) && a->has_vlan == b->has_vlan &&
	       (!a->has_vlan || a->vlan == b->vlan);
}

/**
 * vmq_filter_validate() - check a filter's tests
 * @f: the filter
 * @why: set to the reason on failure
 *
 * VM queue filters steer unicast traffic: broadcast and multicast frames
 * always go to the default queue, so a filter on such an address could never
 * match.
 *
 * Return: 0, or -EINVAL with the reason in @why.
 */
int vmq_filter_validate(const struct vmq_filter *f, const char **why)
{
	if (!is_valid_ether_addr(f->mac)) {
		*why = "destination MAC must be a unicast address";
		return -EINVAL;
	}
	if (f->has_vlan && f->vlan >= VLAN_N_VID) {
		*why = "VLAN id out of range";
		return -EINVAL;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vmq_filter_validate);

/**
 * vmq_filter_add() - add a filter to a table
 * @t: the table
 * @f: the filter; its tests must have passed vmq_filter_validate()
 * @loc: location, or VMQ_FILTER_LOC_ANY for the first free one
 * @why: set to the reason on failure
 *
 * Return: the location used, or -EEXIST (location in use, or the same tests
 * already present), -ENOSPC (table full) or -EINVAL (location out of range).
 */
int vmq_filter_add(struct vmq_filter_table *t, const struct vmq_filter *f,
		   u32 loc, const char **why)
{
	unsigned int i;

	for_each_set_bit(i, t->used, VMQ_FILTERS_MAX) {
		if (vmq_filter_same_match(&t->slots[i], f)) {
			*why = "a filter with the same match exists";
			return -EEXIST;
		}
	}
	if (loc == VMQ_FILTER_LOC_ANY) {
		loc = find_first_zero_bit(t->used, VMQ_FILTERS_MAX);
		if (loc >= VMQ_FILTERS_MAX) {
			*why = "filter table full";
			return -ENOSPC;
		}
	} else if (loc >= VMQ_FILTERS_MAX) {
		*why = "location beyond the filter table";
		return -EINVAL;
	} else if (test_bit(loc, t->used)) {
		*why = "a filter exists at that location";
		return -EEXIST;
	}
	t->slots[loc] = *f;
	__set_bit(loc, t->used);
	t->count++;
	return loc;
}
EXPORT_SYMBOL_IF_KUNIT(vmq_filter_add);

/**
 * vmq_filter_del() - remove the filter at a location
 * @t: the table
 * @loc: its location
 * @old: if not NULL, receives the removed filter
 *
 * Return: 0, or -ENOENT when there is no filter at @loc.
 */
int vmq_filter_del(struct vmq_filter_table *t, u32 loc, struct vmq_filter *old)
{
	if (loc >= VMQ_FILTERS_MAX || !test_bit(loc, t->used))
		return -ENOENT;
	if (old)
		*old = t->slots[loc];
	__clear_bit(loc, t->used);
	t->count--;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vmq_filter_del);

/**
 * vmq_filter_get() - the filter at a location
 * @t: the table
 * @loc: its location
 *
 * Return: the filter, or NULL.
 */
const struct vmq_filter *vmq_filter_get(const struct vmq_filter_table *t,
					u32 loc)
{
	if (loc >= VMQ_FILTERS_MAX || !test_bit(loc, t->used))
		return NULL;
	return &t->slots[loc];
}
EXPORT_SYMBOL_IF_KUNIT(vmq_filter_get);

/**
 * vmq_filter_queue_count() - how many filters steer to a queue
 * @t: the table
 * @queue: the queue
 *
 * Return: the number of filters whose action is @queue.
 */
unsigned int vmq_filter_queue_count(const struct vmq_filter_table *t,
				    u16 queue)
{
	unsigned int i, n = 0;

	for_each_set_bit(i, t->used, VMQ_FILTERS_MAX)
		n += t->slots[i].queue == queue;
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(vmq_filter_queue_count);

/**
 * vmq_filter_snap_build() - the receive path's view of a table
 * @t: the table
 * @gfp: allocation flags
 *
 * MAC+VLAN filters come first, so that vmq_filter_match() finds the most
 * specific filter by taking the first hit.
 *
 * Return: a snapshot to publish with rcu_assign_pointer() and free with
 * kfree_rcu(), or NULL on allocation failure.
 */
struct vmq_filter_snap *vmq_filter_snap_build(const struct vmq_filter_table *t,
					      gfp_t gfp)
{
	struct vmq_filter_snap *s;
	unsigned int i, n = 0;
	int pass;

	s = kzalloc(struct_size(s, f, t->count), gfp);
	if (!s)
		return NULL;
	for (pass = 0; pass < 2; pass++) {
		for_each_set_bit(i, t->used, VMQ_FILTERS_MAX)
			if (t->slots[i].has_vlan == !pass)
				s->f[n++] = t->slots[i];
	}
	s->n = n;
	return s;
}
EXPORT_SYMBOL_IF_KUNIT(vmq_filter_snap_build);

/**
 * vmq_filter_match() - classify a frame
 * @s: a snapshot, or NULL when the port has no filters
 * @dst: the frame's destination MAC
 * @tagged: whether the frame carries a VLAN tag
 * @vlan: its VLAN id, when @tagged
 *
 * Return: the queue of the first matching filter, or -1.
 */
int vmq_filter_match(const struct vmq_filter_snap *s, const u8 *dst,
		     bool tagged, u16 vlan)
{
	const struct vmq_filter *f;
	unsigned int i;

	if (!s)
		return -1;
	for (i = 0; i < s->n; i++) {
		f = &s->f[i];
		if (f->has_vlan && (!tagged || f->vlan != vlan))
			continue;
		if (ether_addr_equal(f->mac, dst))
			return f->queue;
	}
	return -1;
}
EXPORT_SYMBOL_IF_KUNIT(vmq_filter_match);
