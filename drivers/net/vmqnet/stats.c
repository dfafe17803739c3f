// SPDX-License-Identifier: GPL-2.0
/*
 * The one reader of a port's counters. Each RX queue (struct vmq_rxq) and
 * each TX queue (struct vmq_netdev @tx) keeps its own; ethtool -S reads
 * them queue by queue and ndo_get_stats64 adds them up, both through the
 * readers here, so the two can never disagree on what a counter means.
 */

#include <linux/netdevice.h>
#include <linux/u64_stats_sync.h>

#include "rxq.h"

/**
 * vmq_rxq_stats_read() - a consistent copy of a VM queue's counters
 * @q: the queue
 * @c: receives them
 *
 * Context: any.
 */
void vmq_rxq_stats_read(const struct vmq_rxq *q, struct vmq_rxq_counters *c)
{
	const struct vmq_rxq_stats *s = &q->stats;
	unsigned int start;

	do {
		start = u64_stats_fetch_begin(&s->napi_syncp);
		c->packets = s->c.packets;
		c->bytes = s->c.bytes;
		c->drops_no_mem = s->c.drops_no_mem;
		c->drops_bad_completion = s->c.drops_bad_completion;
		c->xdp_pass = s->c.xdp_pass;
		c->xdp_drop = s->c.xdp_drop;
		c->xdp_tx = s->c.xdp_tx;
		c->xdp_tx_errors = s->c.xdp_tx_errors;
		c->xdp_aborted = s->c.xdp_aborted;
		c->xdp_redirect = s->c.xdp_redirect;
		c->xdp_redirect_errors = s->c.xdp_redirect_errors;
	} while (u64_stats_fetch_retry(&s->napi_syncp, start));
	do {
		start = u64_stats_fetch_begin(&s->dev_syncp);
		c->drops_no_buffer = s->c.drops_no_buffer;
		c->drops_not_running = s->c.drops_not_running;
		c->drops_oversize = s->c.drops_oversize;
		c->drops_paused = s->c.drops_paused;
	} while (u64_stats_fetch_retry(&s->dev_syncp, start));
	c->irqs = atomic64_read(&q->irqs);
}

/**
 * vmq_txq_stats_read() - a consistent copy of a TX queue's counters
 * @s: the queue's counters
 * @c: receives them
 *
 * Context: any.
 */
void vmq_txq_stats_read(const struct vmq_txq_stats *s,
			struct vmq_txq_counters *c)
{
	unsigned int start;

	do {
		start = u64_stats_fetch_begin(&s->syncp);
		*c = s->c;
	} while (u64_stats_fetch_retry(&s->syncp, start));
}

/**
 * vmq_get_stats64() - ndo_get_stats64 of a vmqnet port
 * @netdev: the port
 * @tot: filled in
 *
 * Every queue, not only the active ones: counts survive a shrink. Frames
 * that were not for the port are not drops of its, as on a NIC.
 */
void vmq_get_stats64(struct net_device *netdev,
		     struct rtnl_link_stats64 *tot)
{
	struct vmq_netdev *vn = netdev_priv(netdev);
	struct vmq_port_rx *rx = vn->port->rx;
	struct vmq_rxq_counters rc;
	struct vmq_txq_counters tc;
	unsigned int i;

	for (i = 0; i < VMQ_QUEUES_MAX; i++) {
		vmq_txq_stats_read(&vn->tx[i], &tc);
		tot->tx_packets += tc.packets;
		tot->tx_bytes += tc.bytes;
		tot->tx_dropped += tc.drops;

		vmq_rxq_stats_read(&rx->q[i], &rc);
		tot->rx_packets += rc.packets;
		tot->rx_bytes += rc.bytes;
		tot->rx_dropped += rc.drops_no_mem + rc.drops_no_buffer +
				   rc.drops_not_running + rc.drops_oversize +
				   rc.drops_paused;
		tot->rx_errors += rc.drops_bad_completion;
	}
}
