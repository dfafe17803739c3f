// SPDX-License-Identifier: GPL-2.0
/*
 * Linked ports: the "wire" between two vmqnet ports, netdevsim style.
 *
 *   /sys/bus/vmqnet/link_device    "NETNSFD_A:IFINDEX_A NETNSFD_B:IFINDEX_B"
 *   /sys/bus/vmqnet/unlink_device  "NETNSFD:IFINDEX"
 *
 * A NETNSFD is a file descriptor of the writing process that refers to a
 * network namespace (/run/netns/NAME, /proc/PID/ns/net), so the two ports
 * can live in different namespaces and be named without entering them.
 *
 * Errors: -EINVAL for malformed input (see parse.c) and for linking a port
 * to itself; what get_net_ns_by_fd() says for a bad fd (-EBADF, or -EINVAL
 * if it is not a namespace); -ENODEV if the ifindex does not exist in that
 * namespace or is not a vmqnet port; -EBUSY if either port is linked
 * already; -ENOENT for unlinking a port that is not linked (unlike
 * netdevsim, which silently succeeds: a script that unlinks the wrong port
 * should find out).
 *
 * Locking: both peer pointers are written under RTNL only, and so are
 * read by link/unlink, open/stop and port removal; the transmit path reads
 * them under RCU. A port is unlinked from ndo_uninit, which
 * unregister_netdevice_many() follows with synchronize_net(), so a sender
 * that still sees the old peer is done with it before the port and its
 * net_device are freed. Port removal, device deletion, devlink reload and
 * rmmod all unregister the net_device and so all unlink. Moving a port to
 * another namespace keeps the link: the wire does not care where the ends
 * are, and the transmit path scrubs frames that cross namespaces.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/rtnetlink.h>
#include <net/net_namespace.h>

#include "vmqnet.h"

/* The port behind NETNSFD:IFINDEX. Context: RTNL held. */
static struct vmq_port *vmq_link_port_get(struct net *net, int ifindex)
{
	struct net_device *netdev;

	ASSERT_RTNL();

	netdev = __dev_get_by_index(net, ifindex);
	if (!netdev || !vmq_netdev_is_vmq(netdev))
		return ERR_PTR(-ENODEV);
	return vmq_netdev_port(netdev);
}

/* Carrier is up on a port while it is linked and both ends are up. */
static void vmq_link_carrier_set(struct vmq_port *port, bool on)
{
	if (on)
		netif_carrier_on(port->netdev);
	else
		netif_carrier_off(port->netdev);
}

/**
 * vmq_link_carrier_sync() - bring the carrier of a port and its peer in line
 * @port: the port, after its link or its administrative state changed
 *
 * Both ends have carrier if and only if they are linked and both running.
 * Called from ndo_open (the port counts as running already) and ndo_stop
 * (no longer running) and by link/unlink.
 *
 * Context: RTNL held.
 */
void vmq_link_carrier_sync(struct vmq_port *port)
{
	struct vmq_port *peer = rtnl_dereference(port->peer);
	bool on;

	on = peer && netif_running(port->netdev) &&
	     netif_running(peer->netdev);
	vmq_link_carrier_set(port, on);
	if (peer)
		vmq_link_carrier_set(peer, on);
}

static void vmq_link_unpair(struct vmq_port *port, struct vmq_port *peer)
{
	RCU_INIT_POINTER(port->peer, NULL);
	RCU_INIT_POINTER(peer->peer, NULL);
	vmq_link_carrier_set(port, false);
	vmq_link_carrier_set(peer, false);
}

/**
 * vmq_link_uninit() - unlink a port that is being unregistered
 * @port: the port
 *
 * Called from ndo_uninit; the synchronize_net() that follows it in
 * unregister_netdevice_many() waits for senders that still see @port as
 * their peer.
 *
 * Context: RTNL held.
 */
void vmq_link_uninit(struct vmq_port *port)
{
	struct vmq_port *peer = rtnl_dereference(port->peer);

	if (peer)
		vmq_link_unpair(port, peer);
}

/* Resolve "fd:ifindex" to a port. Context: RTNL held; *net is put later. */
static struct vmq_port *vmq_link_resolve(const struct vmq_link_end *end,
					 struct net **net)
{
	*net = get_net_ns_by_fd(end->netns_fd);
	if (IS_ERR(*net))
		return ERR_CAST(*net);
	return vmq_link_port_get(*net, end->ifindex);
}

static void vmq_link_net_put(struct net *net)
{
	if (!IS_ERR_OR_NULL(net))
		put_net(net);
}

/**
 * vmq_link_store() - handle a write to /sys/bus/vmqnet/link_device
 * @buf: "NETNSFD_A:IFINDEX_A NETNSFD_B:IFINDEX_B"
 * @count: bytes in @buf
 *
 * Context: process context; takes RTNL.
 * Return: 0 or a negative errno (see the top of this file).
 */
int vmq_link_store(const char *buf, size_t count)
{
	struct net *net_a = NULL, *net_b = NULL;
	struct vmq_port *a, *b;
	struct vmq_link_args args;
	int err;

	err = vmq_parse_link(buf, count, &args);
	if (err) {
		pr_info_ratelimited("link_device: expected \"NETNSFD_A:IFINDEX_A NETNSFD_B:IFINDEX_B\"\n");
		return err;
	}

	rtnl_lock();
	a = vmq_link_resolve(&args.end[0], &net_a);
	if (IS_ERR(a)) {
		err = PTR_ERR(a);
		goto out_unlock;
	}
	b = vmq_link_resolve(&args.end[1], &net_b);
	if (IS_ERR(b)) {
		err = PTR_ERR(b);
		goto out_unlock;
	}
	if (a == b) {
		err = -EINVAL;
		goto out_unlock;
	}
	if (rtnl_dereference(a->peer) || rtnl_dereference(b->peer)) {
		err = -EBUSY;
		goto out_unlock;
	}

	rcu_assign_pointer(a->peer, b);
	rcu_assign_pointer(b->peer, a);
	vmq_link_carrier_sync(a);
out_unlock:
	rtnl_unlock();
	vmq_link_net_put(net_b);
	vmq_link_net_put(net_a);
	return err;
}

/**
 * vmq_unlink_store() - handle a write to /sys/bus/vmqnet/unlink_device
 * @buf: "NETNSFD:IFINDEX", either end of the link
 * @count: bytes in @buf
 *
 * Senders may still deliver to the old peer until an RCU grace period has
 * passed; that is harmless, both ports stay alive until unregistered.
 *
 * Context: process context; takes RTNL.
 * Return: 0 or a negative errno (see the top of this file).
 */
int vmq_unlink_store(const char *buf, size_t count)
{
	struct vmq_link_end end;
	struct vmq_port *port, *peer;
	struct net *net = NULL;
	int err;

	err = vmq_parse_unlink(buf, count, &end);
	if (err) {
		pr_info_ratelimited("unlink_device: expected \"NETNSFD:IFINDEX\"\n");
		return err;
	}

	rtnl_lock();
	port = vmq_link_resolve(&end, &net);
	if (IS_ERR(port)) {
		err = PTR_ERR(port);
		goto out_unlock;
	}
	peer = rtnl_dereference(port->peer);
	if (!peer) {
		err = -ENOENT;
		goto out_unlock;
	}
	vmq_link_unpair(port, peer);
out_unlock:
	rtnl_unlock();
	vmq_link_net_put(net);
	return err;
}
