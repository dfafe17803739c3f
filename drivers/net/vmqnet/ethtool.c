// SPDX-License-Identifier: GPL-2.0
/*
 * ethtool operations of a vmqnet port. Those of the VM queues (channels,
 * rings, receive filter rules, counters) are in ethtool_rx.c.
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

const struct ethtool_ops vmq_ethtool_ops = {
	.get_drvinfo		= vmq_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_channels		= vmq_ethtool_get_channels,
	.set_channels		= vmq_ethtool_set_channels,
	.get_ringparam		= vmq_ethtool_get_ringparam,
	.set_ringparam		= vmq_ethtool_set_ringparam,
	.get_rxnfc		= vmq_ethtool_get_rxnfc,
	.set_rxnfc		= vmq_ethtool_set_rxnfc,
	.get_sset_count		= vmq_ethtool_get_sset_count,
	.get_strings		= vmq_ethtool_get_strings,
	.get_ethtool_stats	= vmq_ethtool_get_stats,
};
