/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmqnet private header: the device, its bus and its ports. The other
 * private headers: filter.h and queue_state.h (pure logic, also tested by
 * KUnit), shmem_pool.h (the shared memory allocator), rxq.h (VM queues and
 * the receive descriptors). Documentation/vmqnet.rst describes the design.
 *
 * Object model, outermost first:
 *
 *   struct vmq_bus_dev  one per "echo ID ... > /sys/bus/vmqnet/new_device";
 *                       embeds the struct device (vmqnet<ID>) that owns the
 *                       DMA mask, so shared memory is allocated against it.
 *   struct vmq_dev      devlink private data, alive while the driver is
 *                       bound to the bus device (probe .. remove).
 *   struct vmq_port     one devlink port plus its net_device.
 *   struct vmq_netdev   netdev_priv() of a port's net_device.
 */
#ifndef _VMQNET_H
#define _VMQNET_H

#include <linux/delay.h>
#include <linux/device.h>
#include <linux/ethtool.h>
#include <linux/if_ether.h>
#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/types.h>
#include <linux/u64_stats_sync.h>
#include <net/devlink.h>

#define VMQ_DRV_NAME		"vmqnet"

/* ---- Limits of new_device ("ID [PORTS [QUEUES]]") ----------------------
 *
 * ID      0 .. VMQ_DEV_ID_MAX; the device is named vmqnet<ID>.
 * PORTS   1 .. VMQ_PORTS_MAX netdevs per device, default VMQ_PORTS_DEFAULT.
 * QUEUES  1 .. VMQ_QUEUES_MAX RX and as many TX queues per port, default
 *         VMQ_QUEUES_DEFAULT. Every netdev is allocated with VMQ_QUEUES_MAX
 *         queues and runs QUEUES of them, so the channel count can change
 *         later without reallocating the netdev.
 *
 * The input itself is at most VMQ_PARSE_MAX_LEN bytes; anything longer
 * cannot be a valid request and is refused with -E2BIG.
 */
#define VMQ_DEV_ID_MAX		65535
#define VMQ_PORTS_DEFAULT	1
#define VMQ_PORTS_MAX		8
#define VMQ_QUEUES_DEFAULT	4
#define VMQ_QUEUES_MAX		16
#define VMQ_PARSE_MAX_LEN	64

/* ---- parse.c: sysfs input, pure functions ----------------------------- */

/**
 * struct vmq_new_dev_args - a parsed and validated new_device request
 * @id: device ID
 * @ports: number of ports (netdevs)
 * @queues: RX and TX queues per port
 */
struct vmq_new_dev_args {
	u32 id;
	u32 ports;
	u32 queues;
};

int vmq_parse_new_device(const char *buf, size_t count,
			 struct vmq_new_dev_args *args);
int vmq_parse_del_device(const char *buf, size_t count, u32 *id);

/* ---- bus.c: the vmqnet bus and its devices ---------------------------- */

/**
 * struct vmq_bus_dev - a device on the vmqnet bus
 * @dev: the device; named vmqnet<ID>, DMA-capable with a 64-bit mask
 * @dma_parms: lifts the default 64 KiB DMA segment limit: a simulated
 *	device has none, and scatter/gather mappings of shared memory must
 *	not trip DMA-API debug's segment checks
 * @list: entry in the bus device list, under the bus lock
 * @ports: ports to create at probe
 * @queues: RX/TX queues per port
 * @probe_err: result of the last probe, so new_device can report why
 *	the device did not bind
 */
struct vmq_bus_dev {
	struct device dev;
	struct device_dma_parameters dma_parms;
	struct list_head list;
	u32 ports;
	u32 queues;
	int probe_err;
};

static inline struct vmq_bus_dev *to_vmq_bus_dev(struct device *dev)
{
	return container_of(dev, struct vmq_bus_dev, dev);
}

struct device *vmq_bus_dev_get(u32 id);

/* ---- dev.c: probe/remove, ports --------------------------------------- */

/* What the device gets wrong in a completion under debugfs hw_fault. */
enum vmq_hw_fault_kind {
	VMQ_HW_FAULT_NONE,
	VMQ_HW_FAULT_OFFSET,	/* names the neighbouring buffer */
	VMQ_HW_FAULT_HANDLE,	/* names another block */
	VMQ_HW_FAULT_LEN,	/* a length longer than any buffer */
	VMQ_HW_FAULT_POST,	/* a split frame's post-lookahead piece
				 * in the neighbouring buffer
				 */
	VMQ_HW_FAULT_CHAIN,	/* a one-buffer frame says more follow */
	VMQ_HW_FAULT_SHORT,	/* a frame shorter than its Ethernet header */
	VMQ_HW_FAULT_GSO,	/* GSO fields of a type TSO never makes */
	VMQ_HW_FAULT_MAX,
};

/**
 * struct vmq_hw_fault - debugfs fault injection into the device's
 *	completions (hw.c), as a buggy or hostile device would write them
 * @kind: enum vmq_hw_fault_kind; VMQ_HW_FAULT_NONE also sets @count to 0
 * @count: completions still to get wrong, from the next one on, on any
 *	queue of the device; each takes one
 * @injected: completions got wrong so far
 */
struct vmq_hw_fault {
	u32 kind;
	atomic_t count;
	atomic_t injected;
};

/**
 * struct vmq_dev - driver state of a bound vmqnet device (devlink priv)
 * @bdev: the bus device it is bound to
 * @port_list: its ports, changed under the devlink instance lock and RTNL
 * @ddir: debugfs directory vmqnet/vmqnet<ID>/
 * @ports_ddir: debugfs directory vmqnet/vmqnet<ID>/ports/
 * @shmem: its shared memory (shmem_pool.h)
 * @rx_lookahead_split: VM queues split frames into lookahead and
 *	post-lookahead buffers (read at allocation complete, queue.c)
 * @rx_lookahead_size: bytes in the lookahead buffer,
 *	VMQ_LOOKAHEAD_MIN .. VMQ_LOOKAHEAD_MAX
 * @rx_buffer_size: bytes per receive buffer,
 *	VMQ_RX_BUF_SIZE_MIN .. VMQ_RX_BUF_SIZE_MAX
 * @rx_contiguous: receive buffers must be physically contiguous
 * @rx_lend: queues whose memory allows it lend their receive buffers to
 *	the stack (debugfs rx_lend; read at each allocation, rx.c)
 * @rx_lend_wait_ms: how long freeing a queue's memory waits for the
 *	buffers it lent, before it hands them off (debugfs)
 * @rx_next: the driverinit values the next reload applies, as the params'
 *	validate callbacks let them through (devlink_params.c)
 * @rx_queues: the shared memory queue IDs that exist (queue.c)
 * @rx_queues_live: those of them whose DMA has not been stopped for good:
 *	they may allocate shared memory (queue.c)
 * @vm_queues_max: VM queues the device may have allocated at once
 *	(devlink resource vm_queues, devlink_params.c)
 * @vm_queues_next: @vm_queues_max from the next reload on
 * @health: the devlink health reporter "vmq" (health.c)
 * @hw_fault: debugfs hw_fault, hw_fault_count, hw_fault_injected
 */
struct vmq_dev {
	struct vmq_bus_dev *bdev;
	struct list_head port_list;
	struct dentry *ddir;
	struct dentry *ports_ddir;
	struct vmq_shmem_pool *shmem;
	bool rx_lookahead_split;
	u32 rx_lookahead_size;
	u32 rx_buffer_size;
	bool rx_contiguous;
	bool rx_lend;
	u32 rx_lend_wait_ms;
	struct {
		bool lookahead_split;
		u32 lookahead_size;
		u32 buffer_size;
		bool contiguous;
	} rx_next;
	DECLARE_BITMAP(rx_queues, VMQ_PORTS_MAX * VMQ_QUEUES_MAX);
	DECLARE_BITMAP(rx_queues_live, VMQ_PORTS_MAX * VMQ_QUEUES_MAX);
	u32 vm_queues_max;
	u32 vm_queues_next;
	struct devlink_health_reporter *health;
	struct vmq_hw_fault hw_fault;
};

/**
 * struct vmq_port - one port of a vmqnet device
 * @vdev: the device it belongs to
 * @list: entry in @vdev->port_list
 * @index: port index, 0 .. ports - 1
 * @devlink_port: its devlink port (flavour physical)
 * @netdev: its net_device
 * @rx: its receive side: VM queues, filters (rxq.h)
 * @ddir: debugfs directory vmqnet/vmqnet<ID>/ports/<index>/
 * @peer: the linked port, or NULL (link.c: written under RTNL, read under
 *	RCU by the transmit path)
 */
struct vmq_port {
	struct vmq_dev *vdev;
	struct list_head list;
	unsigned int index;
	struct devlink_port devlink_port;
	struct net_device *netdev;
	struct vmq_port_rx *rx;
	struct dentry *ddir;
	struct vmq_port __rcu *peer;
};

int vmq_dev_probe(struct vmq_bus_dev *bdev);
void vmq_dev_remove(struct vmq_bus_dev *bdev);
int vmq_dev_ports_add(struct vmq_dev *vdev);
void vmq_dev_ports_del(struct vmq_dev *vdev);

/* ---- netdev.c: the ports' net_device ---------------------------------- */

/**
 * struct vmq_txq_counters - what a TX queue counts
 * @packets: frames delivered to the peer
 * @bytes: their bytes
 * @drops: frames not delivered, whatever the cause
 * @drops_no_peer: of @drops, those with no linked peer running, such as
 *	frames in flight while the link watch takes the carrier down: the
 *	one TX drop cause the peer cannot count
 * @drops_mtu: of @drops, those too long for the peer's MTU
 */
struct vmq_txq_counters {
	u64 packets;
	u64 bytes;
	u64 drops;
	u64 drops_no_peer;
	u64 drops_mtu;
};

/**
 * struct vmq_txq_stats - a TX queue's counters
 * @c: the counters; read them with vmq_txq_stats_read()
 * @syncp: written only under the queue's xmit lock (no LLTX)
 */
struct vmq_txq_stats {
	struct vmq_txq_counters c;
	struct u64_stats_sync syncp;
};

/**
 * struct vmq_netdev - netdev_priv() of a vmqnet port
 * @netdev: the net_device
 * @port: the port that owns it
 * @tx: per TX queue counters (the RX queues keep theirs, rxq.h)
 * @xdp_xmit: frames other devices redirected to the port that it put on
 *	the wire (ndo_xdp_xmit, on any CPU)
 * @xdp_xmit_errors: frames it could not: no peer, or no memory
 */
struct vmq_netdev {
	struct net_device *netdev;
	struct vmq_port *port;
	struct vmq_txq_stats tx[VMQ_QUEUES_MAX];
	atomic64_t xdp_xmit;
	atomic64_t xdp_xmit_errors;
};

int vmq_netdev_create(struct vmq_port *port);
void vmq_netdev_destroy(struct vmq_port *port);
bool vmq_netdev_is_vmq(const struct net_device *netdev);
struct vmq_port *vmq_netdev_port(const struct net_device *netdev);

/* ---- link.c: linked ports (bus attributes link_device, unlink_device) */

/**
 * struct vmq_link_end - one end of a link request, "NETNSFD:IFINDEX"
 * @netns_fd: a file descriptor of the writer that refers to a netns
 * @ifindex: a vmqnet port's ifindex in that netns, >= 1
 */
struct vmq_link_end {
	int netns_fd;
	int ifindex;
};

/**
 * struct vmq_link_args - a parsed link_device request
 * @end: the two ends
 */
struct vmq_link_args {
	struct vmq_link_end end[2];
};

int vmq_parse_link(const char *buf, size_t count, struct vmq_link_args *args);
int vmq_parse_unlink(const char *buf, size_t count, struct vmq_link_end *end);
int vmq_link_store(const char *buf, size_t count);
int vmq_unlink_store(const char *buf, size_t count);
void vmq_link_uninit(struct vmq_port *port);
void vmq_link_carrier_sync(struct vmq_port *port);

/* ---- tx.c: transmit to the linked peer -------------------------------- */

netdev_tx_t vmq_start_xmit(struct sk_buff *skb, struct net_device *netdev);

/* ---- ethtool.c -------------------------------------------------------- */

extern const struct ethtool_ops vmq_ethtool_ops;

/* ---- devlink.c -------------------------------------------------------- */

extern const struct devlink_ops vmq_devlink_ops;

/* ---- debugfs.c: /sys/kernel/debug/vmqnet/ ----------------------------- */

void vmq_debugfs_init(void);
void vmq_debugfs_exit(void);
void vmq_debugfs_dev_init(struct vmq_dev *vdev);
void vmq_debugfs_dev_exit(struct vmq_dev *vdev);
void vmq_debugfs_port_init(struct vmq_port *port);
void vmq_debugfs_port_exit(struct vmq_port *port);

/* vmqnet/race_delay_us (debugfs, 0 = off): a test knob that holds a path
 * for that long at the points where the shared memory contract was once
 * broken by a race, so that a test can make the window wide enough to
 * hit: between entering the device's receive path and taking a queue's
 * lock (at most 20 ms there, spinning with BH off), and just after a
 * port's netdev is registered. With the knob at 0 it costs one load.
 */
extern u32 vmq_race_delay_us;

static inline void vmq_race_window(void)
{
	u32 us = READ_ONCE(vmq_race_delay_us);

	if (unlikely(us))
		mdelay(DIV_ROUND_UP(min(us, 20000U), 1000));
}

/* ---- devlink_params.c, devlink_res.c, health.c, macvlan.c -------------
 *
 * devlink_params.c: the driverinit params lookahead_split, lookahead_size,
 * rx_buffer_size and rx_contiguous (applied to vmq_dev's rx_* fields at
 * reload). devlink_res.c: the resources shared_memory and vm_queues.
 * health.c: the reporter "vmq". macvlan.c: l2-fwd offload, one VM queue
 * per macvlan.
 */

/* devlink resource "vm_queues", in queues. */
#define VMQ_VM_QUEUES_MAX		(VMQ_PORTS_MAX * (VMQ_QUEUES_MAX - 1))

int vmq_devlink_params_init(struct vmq_dev *vdev);
void vmq_devlink_params_fini(struct vmq_dev *vdev);
u64 vmq_devlink_params_shmem_need(struct vmq_dev *vdev);
int vmq_devlink_params_reload_up(struct vmq_dev *vdev,
				 struct netlink_ext_ack *extack);

int vmq_devlink_res_init(struct vmq_dev *vdev);
void vmq_devlink_res_fini(struct vmq_dev *vdev);
int vmq_devlink_res_reload_check(struct vmq_dev *vdev, u64 shmem_need,
				 struct netlink_ext_ack *extack);
void vmq_devlink_res_reload_up(struct vmq_dev *vdev);
u32 vmq_vm_queues_occupancy(struct vmq_dev *vdev);

int vmq_health_init(struct vmq_dev *vdev);
void vmq_health_fini(struct vmq_dev *vdev);

void *vmq_macvlan_add(struct net_device *lower, struct net_device *macvlan);
void vmq_macvlan_del(struct net_device *lower, void *priv);
void vmq_macvlan_release_all(struct net_device *lower);
int vmq_macvlan_init(void);
void vmq_macvlan_exit(void);

#endif /* _VMQNET_H */
