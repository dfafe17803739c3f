// SPDX-License-Identifier: GPL-2.0
/*
 * ethtool operations of a vmqnet port.
 *
 * Each queue pair is one "combined" channel: VMQ queues always come with
 * both an RX and a TX ring.
 */

#include <linux/ethtool.h>
#include <linux/netdevice.h>
#include <linux/string.h>

#include "vmqnet.h"

static void vmq_get_drvinfo(struct net_device *netdev,
			    struct ethtool_drvinfo *info)
{
	strscpy(info->driver, VMQ_DRV_NAME, sizeof(info->driver));
	strscpy(info->bus_info, dev_name(netdev->dev.parent),
		sizeof(info->bus_info));
}

static void vmq_get_channels(struct net_device *netdev,
			     struct ethtool_channels *ch)
{
	ch->max_combined = VMQ_QUEUES_MAX;
	ch->combined_count = netdev->real_num_rx_queues;
}

const struct ethtool_ops vmq_ethtool_ops = {
	.get_drvinfo		= vmq_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_channels		= vmq_get_channels,
};
