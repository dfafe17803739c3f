// SPDX-License-Identifier: GPL-2.0
/*
 * The net_device of a vmqnet port.
 *
 * Frames are transmitted to the linked peer port (tx.c, link.c).
 */

#include <linux/delay.h>
#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/u64_stats_sync.h>

#include "compat.h"
#include "rxq.h"

/* Transmit offloads, as a NIC has them: gather (the "DMA" copies from the
 * skb's fragments), checksum insertion for any protocol (hw.c fills in the
 * sum while it copies) and TCP segmentation. A TSO frame crosses the wire
 * whole and the receiving port coalesces it, as LRO would, into
 * consecutive receive buffers (hw.c), so only TCP is offered: a GSO type
 * the receiver could not rebuild is segmented by the stack before xmit.
 * Receive checksum offload is always on: the receiver reports what it
 * verified.
 */
#define VMQ_NETDEV_OFFLOADS	(NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_HIGHDMA | \
				 NETIF_F_ALL_TSO)

static int vmq_open(struct net_device *netdev)
{
	struct vmq_netdev *vn = netdev_priv(netdev);
	int err;

	err = vmq_queues_open(vn->port);
	if (err)
		return err;
	netif_tx_start_all_queues(netdev);
	vmq_link_carrier_sync(vn->port);
	return 0;
}

static int vmq_stop(struct net_device *netdev)
{
	struct vmq_netdev *vn = netdev_priv(netdev);

	netif_tx_stop_all_queues(netdev);
	vmq_link_carrier_sync(vn->port);
	vmq_queues_stop(vn->port);
	return 0;
}

static void vmq_uninit(struct net_device *netdev)
{
	struct vmq_netdev *vn = netdev_priv(netdev);

	vmq_link_uninit(vn->port);
}

/* l2-fwd-offload off takes the VM queues back from the macvlans, which
 * stay up on the software path (macvlan.c); on affects macvlans as they
 * open.
 */
static int vmq_set_features(struct net_device *netdev,
			    netdev_features_t features)
{
	netdev_features_t changed = netdev->features ^ features;

	if ((changed & NETIF_F_HW_L2FW_DOFFLOAD) &&
	    !(features & NETIF_F_HW_L2FW_DOFFLOAD))
		vmq_macvlan_release_all(netdev);
	return 0;
}

#if VMQ_HAVE_NDO_GET_DEVLINK_PORT
static struct devlink_port *vmq_get_devlink_port(struct net_device *netdev)
{
	struct vmq_netdev *vn = netdev_priv(netdev);

	return &vn->port->devlink_port;
}
#endif

static const struct net_device_ops vmq_netdev_ops = {
	.ndo_uninit		= vmq_uninit,
	.ndo_open		= vmq_open,
	.ndo_stop		= vmq_stop,
	.ndo_start_xmit		= vmq_start_xmit,
	.ndo_get_stats64	= vmq_get_stats64,
	.ndo_set_rx_mode	= vmq_hw_set_rx_mode,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_validate_addr	= eth_validate_addr,
	.ndo_set_features	= vmq_set_features,
	.ndo_bpf		= vmq_xdp_bpf,
	.ndo_xdp_xmit		= vmq_xdp_xmit,
	.ndo_xsk_wakeup		= vmq_xsk_wakeup,
#if VMQ_HAVE_NDO_GET_DEVLINK_PORT
	.ndo_get_devlink_port	= vmq_get_devlink_port,
#endif
	.ndo_dfwd_add_station	= vmq_macvlan_add,
	.ndo_dfwd_del_station	= vmq_macvlan_del,
};

/**
 * vmq_netdev_is_vmq() - whether a net_device is a vmqnet port
 * @netdev: any net_device
 *
 * Return: true if @netdev is a vmqnet port, so vmq_netdev_port() applies.
 */
bool vmq_netdev_is_vmq(const struct net_device *netdev)
{
	return netdev->netdev_ops == &vmq_netdev_ops;
}

/**
 * vmq_netdev_port() - the port of a vmqnet net_device
 * @netdev: a net_device for which vmq_netdev_is_vmq() holds
 *
 * Return: its port.
 */
struct vmq_port *vmq_netdev_port(const struct net_device *netdev)
{
	const struct vmq_netdev *vn = netdev_priv(netdev);

	return vn->port;
}

/**
 * vmq_netdev_create() - create and register the net_device of a port
 * @port: the port; its devlink port must be registered
 *
 * The netdev gets a random unicast MAC and bdev->queues RX and TX queues
 * (out of VMQ_QUEUES_MAX allocated), and is created in the devlink
 * instance's network namespace so that reload into a namespace works.
 *
 * Context: process context, devlink instance lock held; takes RTNL.
 * Return: 0 and port->netdev set, or a negative errno.
 */
int vmq_netdev_create(struct vmq_port *port)
{
	struct vmq_dev *vdev = port->vdev;
	struct net_device *netdev;
	struct vmq_netdev *vn;
	unsigned int i;
	int err;

	netdev = alloc_etherdev_mqs(sizeof(*vn), VMQ_QUEUES_MAX,
				    VMQ_QUEUES_MAX);
	if (!netdev)
		return -ENOMEM;

	vn = netdev_priv(netdev);
	vn->netdev = netdev;
	vn->port = port;
	for (i = 0; i < VMQ_QUEUES_MAX; i++)
		u64_stats_init(&vn->tx[i].syncp);

	dev_net_set(netdev, devlink_net(priv_to_devlink(vdev)));
	SET_NETDEV_DEV(netdev, &vdev->bdev->dev);
	vmq_netdev_devlink_port_set(netdev, &port->devlink_port);
	netdev->dev_port = port->index;
	netdev->netdev_ops = &vmq_netdev_ops;
	netdev->ethtool_ops = &vmq_ethtool_ops;
	vmq_queue_mgmt_init(netdev);
	vmq_netdev_set_stat_ops(netdev);
	netdev->priv_flags |= IFF_LIVE_ADDR_CHANGE;
	/* tx.c hands each skb to the peer, which consumes it: like veth,
	 * not for pktgen's shared skbs.
	 */
	netdev->priv_flags &= ~IFF_TX_SKB_SHARING;
	/* Off by default, as on NICs: macvlan offload (macvlan.c) takes VM
	 * queues that ethtool would otherwise manage.
	 */
	netdev->hw_features |= NETIF_F_HW_L2FW_DOFFLOAD;
	netdev->hw_features |= VMQ_NETDEV_OFFLOADS;
	netdev->features |= VMQ_NETDEV_OFFLOADS | NETIF_F_RXCSUM;
	netdev->vlan_features |= VMQ_NETDEV_OFFLOADS;
	vmq_xdp_features_set(netdev);
	eth_hw_addr_random(netdev);

	err = netif_set_real_num_tx_queues(netdev, vdev->bdev->queues);
	if (err)
		goto err_free;
	err = netif_set_real_num_rx_queues(netdev, vdev->bdev->queues);
	if (err)
		goto err_free;

	/* Link is down until the port is opened. */
	netif_carrier_off(netdev);

	err = vmq_queues_create(port, netdev, vdev->bdev->queues);
	if (err)
		goto err_free;

	/* Before the netdev is visible: link_device and a peer's transmit
	 * may find the port by its ifindex as soon as it is registered.
	 */
	port->netdev = netdev;
	err = register_netdev(netdev);
	if (err)
		goto err_queues;
	if (unlikely(READ_ONCE(vmq_race_delay_us)))
		fsleep(READ_ONCE(vmq_race_delay_us));
	return 0;

err_queues:
	port->netdev = NULL;
	vmq_queues_destroy(port);
err_free:
	free_netdev(netdev);
	return err;
}

/**
 * vmq_netdev_destroy() - unregister and free the net_device of a port
 * @port: the port
 *
 * Context: process context, devlink instance lock held; takes RTNL.
 */
void vmq_netdev_destroy(struct vmq_port *port)
{
	unregister_netdev(port->netdev);
	/* Stopped and unlinked: nothing writes into the queues any more. */
	vmq_queues_destroy(port);
	free_netdev(port->netdev);
	port->netdev = NULL;
}
