// SPDX-License-Identifier: GPL-2.0
/*
 * The receive side of a vmqnet port: what the NIC does with a frame that
 * arrives from the wire.
 *
 * First version: every frame goes to the stack through the default path,
 * without VM queues, so that linked ports carry traffic while the queues
 * are being built.
 */

#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>

#include "vmqnet.h"

/**
 * vmq_rx_frame() - a frame arrives on a port from the wire
 * @port: the receiving port; the caller keeps it alive (RCU)
 * @skb: the frame, data at the Ethernet header; always consumed
 *
 * Context: softirq or BH disabled (the peer's ndo_start_xmit); may run
 * concurrently on several CPUs for one port.
 * Return: 0 if the frame was received into a queue, or a negative errno
 * if it was dropped (counted by cause).
 */
int vmq_rx_frame(struct vmq_port *port, struct sk_buff *skb)
{
	if (dev_forward_skb(port->netdev, skb) != NET_RX_SUCCESS)
		return -ENOBUFS;
	return 0;
}
