// SPDX-License-Identifier: GPL-2.0
/*
 * macvlan L2 forwarding offload (l2-fwd-offload): one VM queue per macvlan,
 * filtered on its MAC, as a Hyper-V switch gives a VM's NIC its own VMQ.
 * add_station and del_station run under RTNL; a macvlan that gets no queue
 * uses the software path. Documentation/vmqnet.rst, "macvlan offload",
 * describes the queue handover, MAC changes and "l2-fwd-offload off".
 */

#include <linux/err.h>
#include <linux/etherdevice.h>
#include <linux/if_macvlan.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>

#include "rxq.h"

/* An idle VM queue: ethtool created it, it carries no traffic, and no
 * AF_XDP socket is bound to it (its UMEM is the queue's memory).
 */
static int vmq_macvlan_find_queue(struct vmq_port *port)
{
	struct vmq_port_rx *rx = port->rx;
	unsigned int r;

	for (r = 1; r < rx->netdev->real_num_rx_queues; r++) {
		const struct vmq_rxq *q = &rx->q[r];

		if (q->owner || q->xsk ||
		    vmq_filter_queue_count(&rx->filters, r))
			continue;
		if (q->state == VMQ_QS_ALLOCATED || q->state == VMQ_QS_PAUSED)
			return r;
	}
	return -EBUSY;
}

/* Allocate @ring as a new, idle ethtool queue; its allocation completes
 * now if the port is up, else at open, as for any queue.
 */
static void vmq_macvlan_queue_release(struct vmq_port *port, unsigned int ring)
{
	if (vmq_queue_free(port, ring, NULL) ||
	    vmq_queue_alloc(port, ring, NULL))
		return;
	if (netif_running(port->rx->netdev))
		vmq_queue_complete(port, ring, NULL);
}

/* Clear every filter that steers to @ring: the macvlan's own (ethtool
 * cannot add any to a macvlan's queue, nor delete that one).
 */
static void vmq_macvlan_filters_clear(struct vmq_port *port, unsigned int ring)
{
	const struct vmq_filter_table *t = &port->rx->filters;
	unsigned int loc;

	for_each_set_bit(loc, t->used, VMQ_FILTERS_MAX)
		if (t->slots[loc].queue == ring)
			vmq_queue_filter_clear(port, loc, NULL);
}

/**
 * vmq_macvlan_add() - ndo_dfwd_add_station: give a macvlan a VM queue
 * @lower: the vmqnet port
 * @macvlan: the macvlan opening on it
 *
 * Context: RTNL.
 * Return: the queue (struct vmq_rxq), or an ERR_PTR so macvlan falls back
 * to the software path: -EBUSY when no queue is free, or the error of the
 * step that failed (e.g. -ENOSPC: shared_memory budget exhausted).
 */
void *vmq_macvlan_add(struct net_device *lower, struct net_device *macvlan)
{
	struct vmq_port *port = vmq_netdev_port(lower);
	struct vmq_filter f = {};
	struct vmq_rxq *q;
	int ring, err, loc;

	ASSERT_RTNL();
	if (!macvlan_supports_dest_filter(macvlan))
		return ERR_PTR(-EMEDIUMTYPE);
	ring = vmq_macvlan_find_queue(port);
	if (ring < 0) {
		netdev_info(lower, "%s: no free VM queue, software path\n",
			    netdev_name(macvlan));
		return ERR_PTR(ring);
	}
	q = &port->rx->q[ring];

	err = vmq_queue_free(port, ring, NULL);
	if (err)
		return ERR_PTR(err);
	err = vmq_queue_alloc(port, ring, NULL);
	if (err)
		goto err_release;

	ether_addr_copy(f.mac, macvlan->dev_addr);
	f.queue = ring;
	loc = vmq_queue_filter_set(port, &f, VMQ_FILTER_LOC_ANY, NULL);
	if (loc < 0) {
		err = loc;
		goto err_release;
	}
	WRITE_ONCE(q->owner, macvlan);

	if (netif_running(lower)) {
		err = vmq_queue_complete(port, ring, NULL);
		if (err)
			goto err_filter;
	}
	return q;

err_filter:
	WRITE_ONCE(q->owner, NULL);
	vmq_queue_filter_clear(port, loc, NULL);
err_release:
	/* Puts the ring back as it was: an idle ethtool queue. */
	if (q->state == VMQ_QS_UNDEFINED)
		vmq_queue_alloc(port, ring, NULL);
	if (q->state == VMQ_QS_ALLOCATED && netif_running(lower))
		vmq_queue_complete(port, ring, NULL);
	netdev_info(lower, "%s: VM queue %d not set up (%pe), software path\n",
		    netdev_name(macvlan), ring, ERR_PTR(err));
	return ERR_PTR(err);
}

/**
 * vmq_macvlan_del() - ndo_dfwd_del_station: free a macvlan's VM queue
 * @lower: the vmqnet port
 * @priv: what vmq_macvlan_add() returned
 *
 * Clear filter, free in NDIS order, and leave the ring an idle ethtool
 * queue.
 *
 * Context: RTNL.
 */
void vmq_macvlan_del(struct net_device *lower, void *priv)
{
	struct vmq_port *port = vmq_netdev_port(lower);
	struct vmq_rxq *q = priv;

	ASSERT_RTNL();
	vmq_macvlan_filters_clear(port, q->ring);
	/* NAPI hands what is still in the ring to the port from now on;
	 * the release quiesces it before the macvlan can go.
	 */
	WRITE_ONCE(q->owner, NULL);
	vmq_macvlan_queue_release(port, q->ring);
}

/* Put @upper on the software path (its MAC in @lower's unicast list) and
 * give its queue @q back, as at del_station; @why goes in the log.
 */
static void vmq_macvlan_to_software(struct net_device *lower,
				    struct net_device *upper,
				    struct vmq_rxq *q, const char *why)
{
	int err;

	err = macvlan_release_l2fw_offload(upper);
	if (err)
		netdev_warn(upper, "no unicast address on %s (%pe): its frames are dropped\n",
			    netdev_name(lower), ERR_PTR(err));
	vmq_macvlan_del(lower, q);
	netdev_info(lower, "%s: VM queue %u released (%s), software path\n",
		    netdev_name(upper), q->ring, why);
}

/**
 * vmq_macvlan_release_all() - l2-fwd-offload off: every macvlan's queue back
 * @lower: the vmqnet port
 *
 * As ixgbe does when the feature goes off: each upper macvlan that holds
 * a queue of @lower is put on the software path, then its queue is
 * released as at del_station; it keeps working, through the default queue.
 *
 * Context: RTNL (the upper list is stable under it).
 */
void vmq_macvlan_release_all(struct net_device *lower)
{
	struct vmq_port *port = vmq_netdev_port(lower);
	struct net_device *upper;
	struct list_head *iter;
	struct vmq_rxq *q;

	ASSERT_RTNL();
	netdev_for_each_upper_dev_rcu(lower, upper, iter) {
		if (!netif_is_macvlan(upper))
			continue;
		q = macvlan_accel_priv(upper);
		if (!q)
			continue;
		if (WARN_ON_ONCE(q->port != port || q->owner != upper))
			continue;
		vmq_macvlan_to_software(lower, upper, q, "l2-fwd-offload off");
	}
}

/* The macvlan's queue, if @dev is a macvlan that holds a vmqnet queue. */
static struct vmq_rxq *vmq_macvlan_queue(struct net_device *dev)
{
	struct net_device *lower;
	struct vmq_rxq *q;

	if (!netif_is_macvlan(dev))
		return NULL;
	lower = macvlan_dev_real_dev(dev);
	if (!vmq_netdev_is_vmq(lower))
		return NULL;
	q = macvlan_accel_priv(dev);
	if (!q || WARN_ON_ONCE(q->port != vmq_netdev_port(lower) ||
			       q->owner != dev))
		return NULL;
	return q;
}

static void vmq_macvlan_readdress(struct net_device *macvlan,
				  struct vmq_rxq *q)
{
	struct net_device *lower = macvlan_dev_real_dev(macvlan);
	const struct vmq_filter_table *t;
	struct vmq_port *port = q->port;
	struct vmq_filter f = {};
	unsigned int loc;
	int at;

	t = &port->rx->filters;
	for_each_set_bit(loc, t->used, VMQ_FILTERS_MAX)
		if (t->slots[loc].queue == q->ring &&
		    ether_addr_equal(t->slots[loc].mac, macvlan->dev_addr))
			return;

	ether_addr_copy(f.mac, macvlan->dev_addr);
	f.queue = q->ring;
	at = vmq_queue_filter_set(port, &f, VMQ_FILTER_LOC_ANY, NULL);
	if (at < 0) {
		netdev_info(lower, "%s: no filter for its new MAC (%pe)\n",
			    netdev_name(macvlan), ERR_PTR(at));
		vmq_macvlan_to_software(lower, macvlan, q, "MAC changed");
		return;
	}
	for_each_set_bit(loc, t->used, VMQ_FILTERS_MAX)
		if (loc != at && t->slots[loc].queue == q->ring)
			vmq_queue_filter_clear(port, loc, NULL);
}

static int vmq_macvlan_event(struct notifier_block *nb, unsigned long event,
			     void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct vmq_rxq *q;

	if (event != NETDEV_CHANGEADDR)
		return NOTIFY_DONE;
	q = vmq_macvlan_queue(dev);
	if (q)
		vmq_macvlan_readdress(dev, q);
	return NOTIFY_DONE;
}

static struct notifier_block vmq_macvlan_nb = {
	.notifier_call = vmq_macvlan_event,
};

/**
 * vmq_macvlan_init() - follow the MAC changes of macvlans on vmqnet ports
 *
 * Return: 0 or a negative errno.
 */
int vmq_macvlan_init(void)
{
	return register_netdevice_notifier(&vmq_macvlan_nb);
}

/**
 * vmq_macvlan_exit() - undo vmq_macvlan_init()
 */
void vmq_macvlan_exit(void)
{
	unregister_netdevice_notifier(&vmq_macvlan_nb);
}
