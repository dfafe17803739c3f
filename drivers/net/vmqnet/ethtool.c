// SPDX-License-Identifier: GPL-2.0
/*
 * ethtool operations of a vmqnet port. Those of the VM queues stand in
 * for the NDIS OIDs:
 *
 *   -L combined C [rx R]  C + R RX rings (VM queues) and C TX rings;
 *                         grows with ALLOCATE_QUEUE + ALLOCATION_COMPLETE,
 *                         shrinks with FREE_QUEUE (queue.c)
 *   -N flow-type ether dst MAC [vlan VID] action Q [loc L]
 *                         SET_FILTER; "delete L" is CLEAR_FILTER; -n lists
 *   -G rx N               NumSuggestedReceiveBuffers of every queue
 *   -C rx-usecs U rx-frames F  interrupt moderation of every queue (hw.c)
 *   -S                    per-queue counters and shared memory
 *
 * In 6.1 the channel and rxnfc ops get no extack, so their refusals are
 * explained in the kernel log (queue.c); -G has one.
 */

#include <linux/ethtool.h>
#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/string.h>
#include <linux/stringify.h>

#include "rxq.h"

static struct vmq_port *vmq_ethtool_port(struct net_device *netdev)
{
	return vmq_netdev_port(netdev);
}

static void vmq_get_drvinfo(struct net_device *netdev,
			    struct ethtool_drvinfo *info)
{
	strscpy(info->driver, VMQ_DRV_NAME, sizeof(info->driver));
	strscpy(info->bus_info, dev_name(netdev->dev.parent),
		sizeof(info->bus_info));
}

/* ---- -l / -L ---------------------------------------------------------- */

/**
 * vmq_ethtool_get_channels() - ethtool -l
 * @netdev: a vmqnet port
 * @ch: filled in: combined = TX rings, rx = RX rings beyond them
 */
static void vmq_ethtool_get_channels(struct net_device *netdev,
				     struct ethtool_channels *ch)
{
	ch->max_combined = VMQ_QUEUES_MAX;
	ch->max_rx = VMQ_QUEUES_MAX - 1;
	ch->combined_count = netdev->real_num_tx_queues;
	ch->rx_count = netdev->real_num_rx_queues -
		       netdev->real_num_tx_queues;
}

/**
 * vmq_ethtool_set_channels() - ethtool -L
 * @netdev: a vmqnet port
 * @ch: the request; the core has checked it against the maxima and made
 *	sure there is a combined channel (tx is never set: max_tx is 0)
 *
 * Context: RTNL.
 * Return: 0 or a negative errno; on failure nothing changed.
 */
static int vmq_ethtool_set_channels(struct net_device *netdev,
				    struct ethtool_channels *ch)
{
	unsigned int old_tx = netdev->real_num_tx_queues;
	struct vmq_port *port = vmq_ethtool_port(netdev);
	int err;

	if (ch->combined_count + ch->rx_count > VMQ_QUEUES_MAX)
		return vmq_queue_refuse(port, ch->combined_count + ch->rx_count,
					NULL, -EINVAL,
					"more RX rings than the port has");
	err = netif_set_real_num_tx_queues(netdev, ch->combined_count);
	if (err)
		return err;
	err = vmq_queues_set_count(port, ch->combined_count + ch->rx_count,
				   NULL);
	if (err)
		netif_set_real_num_tx_queues(netdev, old_tx);
	return err;
}

/* ---- -g / -G ---------------------------------------------------------- */

/**
 * vmq_ethtool_get_ringparam() - ethtool -g
 * @netdev: a vmqnet port
 * @ring: receive buffers per queue now and the bounds
 * @kring: rx_buf_len, the size of each receive buffer
 * @extack: unused
 */
static void vmq_ethtool_get_ringparam(struct net_device *netdev,
				      struct ethtool_ringparam *ring,
				      struct kernel_ethtool_ringparam *kring,
				      struct netlink_ext_ack *extack)
{
	struct vmq_port *port = vmq_ethtool_port(netdev);

	ring->rx_max_pending = VMQ_RX_BUFS_MAX;
	ring->rx_pending = port->rx->nbufs;
	kring->rx_buf_len = port->vdev->rx_buffer_size;
}

/**
 * vmq_ethtool_set_ringparam() - ethtool -G rx N
 * @netdev: a vmqnet port
 * @ring: the request; the core has checked it against the maxima
 * @kring: unused (no ring parameter beyond the counts is settable)
 * @extack: for the reason of a failure
 *
 * Context: RTNL.
 * Return: 0 or a negative errno; on failure the old buffers stay.
 */
static int vmq_ethtool_set_ringparam(struct net_device *netdev,
				     struct ethtool_ringparam *ring,
				     struct kernel_ethtool_ringparam *kring,
				     struct netlink_ext_ack *extack)
{
	struct vmq_port *port = vmq_ethtool_port(netdev);

	if (ring->rx_pending == port->rx->nbufs)
		return 0;
	return vmq_queues_set_nbufs(port, ring->rx_pending, extack);
}

/* ---- -n / -N ---------------------------------------------------------- */

static void vmq_rxnfc_fill(const struct vmq_filter *f, u32 loc,
			   struct ethtool_rx_flow_spec *fs)
{
	memset(fs, 0, sizeof(*fs));
	fs->flow_type = ETHER_FLOW;
	ether_addr_copy(fs->h_u.ether_spec.h_dest, f->mac);
	eth_broadcast_addr(fs->m_u.ether_spec.h_dest);
	if (f->has_vlan) {
		fs->flow_type |= FLOW_EXT;
		fs->h_ext.vlan_tci = htons(f->vlan);
		fs->m_ext.vlan_tci = htons(VLAN_VID_MASK);
	}
	fs->ring_cookie = f->queue;
	fs->location = loc;
}

/* The filter a rule asks for: only what a VMQ filter tests, exactly. */
static int vmq_rxnfc_parse(struct vmq_port *port,
			   const struct ethtool_rx_flow_spec *fs,
			   struct vmq_filter *f)
{
	const struct ethhdr *m = &fs->m_u.ether_spec;
	u64 ring = ethtool_get_flow_spec_ring(fs->ring_cookie);
	u16 vlan_mask;

	if (fs->ring_cookie == RX_CLS_FLOW_DISC ||
	    fs->ring_cookie == RX_CLS_FLOW_WAKE ||
	    ethtool_get_flow_spec_ring_vf(fs->ring_cookie) ||
	    ring >= VMQ_QUEUES_MAX)
		return vmq_queue_refuse(port, 0, NULL, -EINVAL,
					"the action must be a queue of the port");
	if ((fs->flow_type & ~FLOW_EXT) != ETHER_FLOW)
		return vmq_queue_refuse(port, ring, NULL, -EINVAL,
					"only flow-type ether rules");
	if (!is_broadcast_ether_addr(m->h_dest))
		return vmq_queue_refuse(port, ring, NULL, -EINVAL,
					"the destination MAC must be matched in full");
	if (!is_zero_ether_addr(m->h_source) || m->h_proto)
		return vmq_queue_refuse(port, ring, NULL, -EINVAL,
					"only the destination MAC and the VLAN id can be matched");

	memset(f, 0, sizeof(*f));
	ether_addr_copy(f->mac, fs->h_u.ether_spec.h_dest);
	f->queue = ring;
	if (!(fs->flow_type & FLOW_EXT))
		return 0;
	if (fs->m_ext.vlan_etype || fs->m_ext.data[0] || fs->m_ext.data[1])
		return vmq_queue_refuse(port, ring, NULL, -EINVAL,
					"only the VLAN id can be matched in the extension");
	/* The VLAN id in full; priority and DEI are not tested. */
	vlan_mask = ntohs(fs->m_ext.vlan_tci);
	if (!vlan_mask)
		return 0;
	if ((vlan_mask & VLAN_VID_MASK) != VLAN_VID_MASK)
		return vmq_queue_refuse(port, ring, NULL, -EINVAL,
					"the VLAN id must be matched in full");
	f->has_vlan = true;
	f->vlan = ntohs(fs->h_ext.vlan_tci) & VLAN_VID_MASK;
	return 0;
}

/* A queue a macvlan owns (l2-fwd-offload, macvlan.c) is not ethtool's:
 * its one filter is on the macvlan's MAC and goes with the macvlan. rxnfc
 * has no extack, so the refusal names the macvlan in the kernel log.
 * @loc is the rule to delete, or VMQ_FILTER_LOC_ANY for an insert.
 */
static int vmq_rxnfc_owned(struct vmq_port *port, u16 ring, u32 loc)
{
	const struct net_device *owner = port->rx->q[ring].owner;

	if (!owner)
		return 0;
	if (loc == VMQ_FILTER_LOC_ANY)
		netdev_warn(port->rx->netdev,
			    "rule refused: VM queue %u belongs to macvlan %s (l2-fwd-offload)\n",
			    ring, netdev_name(owner));
	else
		netdev_warn(port->rx->netdev,
			    "delete of rule %u refused: it is the filter of macvlan %s on VM queue %u; delete the macvlan or turn l2-fwd-offload off\n",
			    loc, netdev_name(owner), ring);
	return -EBUSY;
}

static int vmq_rxnfc_insert(struct vmq_port *port,
			    struct ethtool_rx_flow_spec *fs)
{
	u32 loc = fs->location;
	struct vmq_filter f;
	int err;

	err = vmq_rxnfc_parse(port, fs, &f);
	if (err)
		return err;
	if (f.queue < port->rx->netdev->real_num_rx_queues) {
		err = vmq_rxnfc_owned(port, f.queue, VMQ_FILTER_LOC_ANY);
		if (err)
			return err;
	}
	if (loc & RX_CLS_LOC_SPECIAL) {
		if (loc != RX_CLS_LOC_ANY)
			return vmq_queue_refuse(port, f.queue, NULL, -EINVAL,
						"only any location or a number");
		loc = VMQ_FILTER_LOC_ANY;
	}
	err = vmq_queue_filter_set(port, &f, loc, NULL);
	if (err < 0)
		return err;
	fs->location = err;
	return 0;
}

/**
 * vmq_ethtool_set_rxnfc() - ethtool -N: insert or delete a filter rule
 * @netdev: a vmqnet port
 * @cmd: ETHTOOL_SRXCLSRLINS or ETHTOOL_SRXCLSRLDEL
 *
 * Context: RTNL.
 * Return: 0; -EINVAL (a queue that does not exist, a match or mask VMQ
 * filters cannot do), -EEXIST (the same match, or the location, is
 * taken), -ENOSPC (table full), -ENOENT (delete: no such rule), -EBUSY
 * (the rule or the queue belongs to a macvlan), -EOPNOTSUPP for other
 * commands.
 */
static int vmq_ethtool_set_rxnfc(struct net_device *netdev,
				 struct ethtool_rxnfc *cmd)
{
	struct vmq_port *port = vmq_ethtool_port(netdev);
	const struct vmq_filter *f;
	int err;

	switch (cmd->cmd) {
	case ETHTOOL_SRXCLSRLINS:
		return vmq_rxnfc_insert(port, &cmd->fs);
	case ETHTOOL_SRXCLSRLDEL:
		f = vmq_filter_get(&port->rx->filters, cmd->fs.location);
		if (f) {
			err = vmq_rxnfc_owned(port, f->queue,
					      cmd->fs.location);
			if (err)
				return err;
		}
		return vmq_queue_filter_clear(port, cmd->fs.location, NULL);
	default:
		return -EOPNOTSUPP;
	}
}

/**
 * vmq_ethtool_get_rxnfc() - ethtool -n
 * @netdev: a vmqnet port
 * @cmd: the query
 * @rule_locs: for ETHTOOL_GRXCLSRLALL, room for cmd->rule_cnt locations
 *
 * Context: RTNL.
 * Return: 0, -ENOENT for a rule that does not exist, -EMSGSIZE if
 * @rule_locs is too small, -EOPNOTSUPP for other commands.
 */
static int vmq_ethtool_get_rxnfc(struct net_device *netdev,
				 struct ethtool_rxnfc *cmd, u32 *rule_locs)
{
	const struct vmq_filter_table *t =
		&vmq_ethtool_port(netdev)->rx->filters;
	const struct vmq_filter *f;
	unsigned int i, n = 0;

	switch (cmd->cmd) {
	case ETHTOOL_GRXRINGS:
		cmd->data = netdev->real_num_rx_queues;
		return 0;
	case ETHTOOL_GRXCLSRLCNT:
		cmd->rule_cnt = t->count;
		cmd->data = VMQ_FILTERS_MAX | RX_CLS_LOC_SPECIAL;
		return 0;
	case ETHTOOL_GRXCLSRULE:
		f = vmq_filter_get(t, cmd->fs.location);
		if (!f)
			return -ENOENT;
		vmq_rxnfc_fill(f, cmd->fs.location, &cmd->fs);
		return 0;
	case ETHTOOL_GRXCLSRLALL:
		cmd->data = VMQ_FILTERS_MAX;
		for_each_set_bit(i, t->used, VMQ_FILTERS_MAX) {
			if (n == cmd->rule_cnt)
				return -EMSGSIZE;
			rule_locs[n++] = i;
		}
		cmd->rule_cnt = n;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

/* ---- -c / -C ---------------------------------------------------------- */

/**
 * vmq_ethtool_get_coalesce() - ethtool -c
 * @netdev: a vmqnet port
 * @ec: filled in: rx-usecs, rx-frames and adaptive-rx
 * @kec: unused
 * @extack: unused
 *
 * Return: 0.
 */
static int vmq_ethtool_get_coalesce(struct net_device *netdev,
				    struct ethtool_coalesce *ec,
				    struct kernel_ethtool_coalesce *kec,
				    struct netlink_ext_ack *extack)
{
	struct vmq_port_rx *rx = vmq_ethtool_port(netdev)->rx;

	ec->rx_coalesce_usecs = READ_ONCE(rx->coal_usecs);
	ec->rx_max_coalesced_frames = READ_ONCE(rx->coal_frames);
	ec->use_adaptive_rx_coalesce = READ_ONCE(rx->coal_adaptive);
	return 0;
}

/**
 * vmq_ethtool_set_coalesce() - ethtool -C rx-usecs U rx-frames F adaptive-rx
 * @netdev: a vmqnet port
 * @ec: the request; the core refused any other parameter
 * @kec: unused
 * @extack: for the reason of a refusal
 *
 * Takes effect at the next frame of each queue; an interrupt already
 * held back keeps its time. With adaptive-rx on, rx-usecs and rx-frames
 * are kept for when it is off again.
 *
 * Context: RTNL.
 * Return: 0, or -EINVAL, with nothing changed.
 */
static int vmq_ethtool_set_coalesce(struct net_device *netdev,
				    struct ethtool_coalesce *ec,
				    struct kernel_ethtool_coalesce *kec,
				    struct netlink_ext_ack *extack)
{
	struct vmq_port_rx *rx = vmq_ethtool_port(netdev)->rx;

	if (ec->rx_coalesce_usecs > VMQ_COAL_USECS_MAX) {
		NL_SET_ERR_MSG_MOD(extack, "rx-usecs is at most "
				   __stringify(VMQ_COAL_USECS_MAX));
		return -EINVAL;
	}
	if (ec->rx_max_coalesced_frames > VMQ_COAL_FRAMES_MAX) {
		NL_SET_ERR_MSG_MOD(extack, "rx-frames is at most "
				   __stringify(VMQ_COAL_FRAMES_MAX));
		return -EINVAL;
	}
	/* Without a time limit, the last frames of a burst would wait for
	 * frames that may never come.
	 */
	if (ec->rx_max_coalesced_frames && !ec->rx_coalesce_usecs) {
		NL_SET_ERR_MSG_MOD(extack, "rx-frames needs rx-usecs");
		return -EINVAL;
	}
	WRITE_ONCE(rx->coal_usecs, ec->rx_coalesce_usecs);
	WRITE_ONCE(rx->coal_frames, ec->rx_max_coalesced_frames);
	WRITE_ONCE(rx->coal_adaptive, !!ec->use_adaptive_rx_coalesce);
	return 0;
}

/* ---- -S --------------------------------------------------------------- */

static const char * const vmq_rxq_stat_names[] = {
	"packets", "bytes", "drops_no_buffer", "drops_not_running",
	"drops_oversize", "drops_no_mem", "drops_paused", "shmem_bytes",
	"xdp_pass", "xdp_drop", "xdp_tx", "xdp_tx_errors", "xdp_aborted",
	"xdp_redirect", "xdp_redirect_errors", "irqs", "drops_bad_completion",
};

static const char * const vmq_txq_stat_names[] = {
	"packets", "bytes", "drops",
};

/* Port-wide counters, after the per-queue ones of each direction. */
static const char * const vmq_rx_port_stat_names[] = {
	"rx_drops_filtered",
};

static const char * const vmq_tx_port_stat_names[] = {
	"tx_drops_no_peer", "tx_drops_mtu", "tx_xdp_xmit", "tx_xdp_xmit_errors",
};

/**
 * vmq_ethtool_get_sset_count() - number of ethtool -S counters
 * @netdev: a vmqnet port
 * @sset: the string set
 *
 * Return: the count for ETH_SS_STATS, else -EOPNOTSUPP.
 */
static int vmq_ethtool_get_sset_count(struct net_device *netdev, int sset)
{
	if (sset != ETH_SS_STATS)
		return -EOPNOTSUPP;
	return netdev->real_num_rx_queues * ARRAY_SIZE(vmq_rxq_stat_names) +
	       ARRAY_SIZE(vmq_rx_port_stat_names) +
	       netdev->real_num_tx_queues * ARRAY_SIZE(vmq_txq_stat_names) +
	       ARRAY_SIZE(vmq_tx_port_stat_names);
}

/**
 * vmq_ethtool_get_strings() - names of the ethtool -S counters
 * @netdev: a vmqnet port
 * @sset: the string set
 * @data: room for vmq_ethtool_get_sset_count() names
 *
 * rx_queue_<q>_<counter> for every RX ring, rx_drops_filtered, then
 * tx_queue_<q>_<counter> for every TX ring, and the port's TX drops by the
 * two causes its peer does not count: tx_drops_no_peer, tx_drops_mtu
 * (sums over all of its TX queues).
 */
static void vmq_ethtool_get_strings(struct net_device *netdev, u32 sset,
				    u8 *data)
{
	unsigned int q, i;

	if (sset != ETH_SS_STATS)
		return;
	for (q = 0; q < netdev->real_num_rx_queues; q++)
		for (i = 0; i < ARRAY_SIZE(vmq_rxq_stat_names); i++)
			ethtool_sprintf(&data, "rx_queue_%u_%s", q,
					vmq_rxq_stat_names[i]);
	for (i = 0; i < ARRAY_SIZE(vmq_rx_port_stat_names); i++)
		ethtool_sprintf(&data, "%s", vmq_rx_port_stat_names[i]);
	for (q = 0; q < netdev->real_num_tx_queues; q++)
		for (i = 0; i < ARRAY_SIZE(vmq_txq_stat_names); i++)
			ethtool_sprintf(&data, "tx_queue_%u_%s", q,
					vmq_txq_stat_names[i]);
	for (i = 0; i < ARRAY_SIZE(vmq_tx_port_stat_names); i++)
		ethtool_sprintf(&data, "%s", vmq_tx_port_stat_names[i]);
}

/**
 * vmq_ethtool_get_stats() - values of the ethtool -S counters
 * @netdev: a vmqnet port
 * @stats: unused
 * @data: the values, in vmq_ethtool_get_strings() order
 */
static void vmq_ethtool_get_stats(struct net_device *netdev,
				  struct ethtool_stats *stats, u64 *data)
{
	struct vmq_netdev *vn = netdev_priv(netdev);
	struct vmq_port_rx *rx = vn->port->rx;
	u64 no_peer = 0, mtu = 0;
	struct vmq_rxq_counters rc;
	struct vmq_txq_counters tc;
	unsigned int q;

	for (q = 0; q < netdev->real_num_rx_queues; q++) {
		vmq_rxq_stats_read(&rx->q[q], &rc);
		*data++ = rc.packets;
		*data++ = rc.bytes;
		*data++ = rc.drops_no_buffer;
		*data++ = rc.drops_not_running;
		*data++ = rc.drops_oversize;
		*data++ = rc.drops_no_mem;
		*data++ = rc.drops_paused;
		*data++ = vmq_queue_shmem_bytes(&rx->q[q]);
		*data++ = rc.xdp_pass;
		*data++ = rc.xdp_drop;
		*data++ = rc.xdp_tx;
		*data++ = rc.xdp_tx_errors;
		*data++ = rc.xdp_aborted;
		*data++ = rc.xdp_redirect;
		*data++ = rc.xdp_redirect_errors;
		*data++ = rc.irqs;
		*data++ = rc.drops_bad_completion;
	}
	*data++ = atomic64_read(&rx->drops_filtered);
	for (q = 0; q < netdev->real_num_tx_queues; q++) {
		vmq_txq_stats_read(&vn->tx[q], &tc);
		*data++ = tc.packets;
		*data++ = tc.bytes;
		*data++ = tc.drops;
	}
	/* All TX queues, as the port-wide counters they replace were. */
	for (q = 0; q < VMQ_QUEUES_MAX; q++) {
		vmq_txq_stats_read(&vn->tx[q], &tc);
		no_peer += tc.drops_no_peer;
		mtu += tc.drops_mtu;
	}
	*data++ = no_peer;
	*data++ = mtu;
	*data++ = atomic64_read(&vn->xdp_xmit);
	*data++ = atomic64_read(&vn->xdp_xmit_errors);
}

const struct ethtool_ops vmq_ethtool_ops = {
	.supported_coalesce_params = ETHTOOL_COALESCE_RX_USECS |
				     ETHTOOL_COALESCE_RX_MAX_FRAMES |
				     ETHTOOL_COALESCE_USE_ADAPTIVE_RX,
	.get_drvinfo		= vmq_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_channels		= vmq_ethtool_get_channels,
	.set_channels		= vmq_ethtool_set_channels,
	.get_ringparam		= vmq_ethtool_get_ringparam,
	.set_ringparam		= vmq_ethtool_set_ringparam,
	.get_coalesce		= vmq_ethtool_get_coalesce,
	.set_coalesce		= vmq_ethtool_set_coalesce,
	.get_rxnfc		= vmq_ethtool_get_rxnfc,
	.set_rxnfc		= vmq_ethtool_set_rxnfc,
	.get_sset_count		= vmq_ethtool_get_sset_count,
	.get_strings		= vmq_ethtool_get_strings,
	.get_ethtool_stats	= vmq_ethtool_get_stats,
};
