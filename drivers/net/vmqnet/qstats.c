// SPDX-License-Identifier: GPL-2.0
/*
 * Per-queue statistics for netdev netlink's qstats-get (6.10+): the
 * counters ethtool -S shows per queue, under the standard names that map
 * them honestly, read through stats.c like every other view.
 *
 *   RX  packets, bytes        as counted by NAPI
 *       alloc-fail            drops_no_mem: NAPI got no skb
 *       hw-drops              what the device took in but never indicated:
 *                             drops_no_buffer + drops_not_running +
 *                             drops_oversize + drops_paused +
 *                             drops_bad_completion
 *       hw-drop-overruns      drops_no_buffer: no free receive buffer
 *   TX  packets, bytes        delivered to the peer
 *       hw-drops              drops, whatever the cause
 *
 * alloc-fail + hw-drops is stats64's rx_dropped + rx_errors (bad
 * completions). Frames not for the port
 * (rx_drops_filtered) are no queue's and no drop of the port's, as in
 * stats64. Nothing else is counted, so nothing else is filled in: the core
 * reports the rest as not collected.
 *
 * A queue's counters live as long as the port (struct vmq_rxq, vmq_netdev
 * @tx), whatever ethtool -L does: a queue beyond the channel count keeps
 * what it counted, and has it again if it comes back, as ethtool -S shows.
 * The base stats are those queues, so that base plus live queues is every
 * queue, which is stats64: device totals never go back when the channel
 * count shrinks.
 */

#include <linux/netdevice.h>

#include "compat.h"
#include "rxq.h"

#if VMQ_HAVE_STAT_OPS

static void vmq_qstats_rx_add(const struct vmq_rxq *q,
			      struct netdev_queue_stats_rx *rx)
{
	struct vmq_rxq_counters c;

	vmq_rxq_stats_read(q, &c);
	rx->packets += c.packets;
	rx->bytes += c.bytes;
	rx->alloc_fail += c.drops_no_mem;
	rx->hw_drops += c.drops_no_buffer + c.drops_not_running +
			c.drops_oversize + c.drops_paused +
			c.drops_bad_completion;
	rx->hw_drop_overruns += c.drops_no_buffer;
}

static void vmq_qstats_tx_add(const struct vmq_txq_stats *s,
			      struct netdev_queue_stats_tx *tx)
{
	struct vmq_txq_counters c;

	vmq_txq_stats_read(s, &c);
	tx->packets += c.packets;
	tx->bytes += c.bytes;
	tx->hw_drops += c.drops;
}

/* The fields vmq_qstats_*_add() fill in, at zero: the core hands them in
 * as "not collected" (all ones).
 */
static void vmq_qstats_rx_zero(struct netdev_queue_stats_rx *rx)
{
	rx->packets = 0;
	rx->bytes = 0;
	rx->alloc_fail = 0;
	rx->hw_drops = 0;
	rx->hw_drop_overruns = 0;
}

static void vmq_qstats_tx_zero(struct netdev_queue_stats_tx *tx)
{
	tx->packets = 0;
	tx->bytes = 0;
	tx->hw_drops = 0;
}

static void vmq_get_queue_stats_rx(struct net_device *netdev, int idx,
				   struct netdev_queue_stats_rx *rx)
{
	struct vmq_port *port = vmq_netdev_port(netdev);

	vmq_qstats_rx_zero(rx);
	vmq_qstats_rx_add(&port->rx->q[idx], rx);
}

static void vmq_get_queue_stats_tx(struct net_device *netdev, int idx,
				   struct netdev_queue_stats_tx *tx)
{
	struct vmq_netdev *vn = netdev_priv(netdev);

	vmq_qstats_tx_zero(tx);
	vmq_qstats_tx_add(&vn->tx[idx], tx);
}

/* The queues beyond the channel count: their counts are part of the
 * device's history (the header comment). Under RTNL, as the live queues
 * the core reads next, so the two add up to every queue.
 */
static void vmq_get_base_stats(struct net_device *netdev,
			       struct netdev_queue_stats_rx *rx,
			       struct netdev_queue_stats_tx *tx)
{
	struct vmq_netdev *vn = netdev_priv(netdev);
	struct vmq_port_rx *prx = vn->port->rx;
	unsigned int i;

	vmq_qstats_rx_zero(rx);
	vmq_qstats_tx_zero(tx);
	for (i = netdev->real_num_rx_queues; i < VMQ_QUEUES_MAX; i++)
		vmq_qstats_rx_add(&prx->q[i], rx);
	for (i = netdev->real_num_tx_queues; i < VMQ_QUEUES_MAX; i++)
		vmq_qstats_tx_add(&vn->tx[i], tx);
}

const struct netdev_stat_ops vmq_stat_ops = {
	.get_queue_stats_rx	= vmq_get_queue_stats_rx,
	.get_queue_stats_tx	= vmq_get_queue_stats_tx,
	.get_base_stats		= vmq_get_base_stats,
};

#endif /* VMQ_HAVE_STAT_OPS */
