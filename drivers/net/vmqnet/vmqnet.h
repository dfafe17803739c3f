/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmqnet private header: the one header shared by the files of vmqnet.ko.
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

#include <linux/device.h>
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
 * @probe_err: result of the last probe, so new_device can report it
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

/**
 * struct vmq_dev - driver state of a bound vmqnet device (devlink priv)
 * @bdev: the bus device it is bound to
 * @port_list: its ports, under the devlink instance lock
 * @ddir: debugfs directory vmqnet/vmqnet<ID>/
 * @ports_ddir: debugfs directory vmqnet/vmqnet<ID>/ports/
 */
struct vmq_dev {
	struct vmq_bus_dev *bdev;
	struct list_head port_list;
	struct dentry *ddir;
	struct dentry *ports_ddir;
};

/**
 * struct vmq_port - one port of a vmqnet device
 * @vdev: the device it belongs to
 * @list: entry in @vdev->port_list
 * @index: port index, 0 .. ports - 1
 * @devlink_port: its devlink port (flavour physical)
 * @netdev: its net_device
 * @ddir: debugfs directory vmqnet/vmqnet<ID>/ports/<index>/
 */
struct vmq_port {
	struct vmq_dev *vdev;
	struct list_head list;
	unsigned int index;
	struct devlink_port devlink_port;
	struct net_device *netdev;
	struct dentry *ddir;
};

int vmq_dev_probe(struct vmq_bus_dev *bdev);
void vmq_dev_remove(struct vmq_bus_dev *bdev);
int vmq_dev_ports_add(struct vmq_dev *vdev);
void vmq_dev_ports_del(struct vmq_dev *vdev);

/* ---- netdev.c: the ports' net_device ---------------------------------- */

/**
 * struct vmq_ring_stats - counters of one queue
 * @packets: packets
 * @bytes: bytes
 * @syncp: makes the 64-bit counters safe to read on 32-bit hosts
 *
 * One per queue, so that queues never share a cache line of counters and
 * each is only written under its own queue's lock.
 */
struct vmq_ring_stats {
	u64 packets;
	u64 bytes;
	struct u64_stats_sync syncp;
};

/**
 * struct vmq_netdev - netdev_priv() of a vmqnet port
 * @netdev: the net_device
 * @port: the port that owns it
 * @tx_stats: per TX queue counters
 * @rx_stats: per RX queue counters
 */
struct vmq_netdev {
	struct net_device *netdev;
	struct vmq_port *port;
	struct vmq_ring_stats tx_stats[VMQ_QUEUES_MAX];
	struct vmq_ring_stats rx_stats[VMQ_QUEUES_MAX];
};

int vmq_netdev_create(struct vmq_port *port);
void vmq_netdev_destroy(struct vmq_port *port);

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

/* ---- filter.c: receive filter table ----------------------------------- */

/* MaxMacHeaderFilters of a port: the capacity of its filter table. */
#define VMQ_FILTERS_MAX		32
#define VMQ_FILTER_LOC_ANY	U32_MAX

/**
 * struct vmq_filter - one receive filter
 * @mac: destination MAC to match (always tested)
 * @has_vlan: also test the VLAN id
 * @vlan: VLAN id to match, when @has_vlan
 * @queue: the queue a matching frame goes to
 */
struct vmq_filter {
	u8 mac[ETH_ALEN];
	bool has_vlan;
	u16 vlan;
	u16 queue;
};

/**
 * struct vmq_filter_table - a port's filters, by location
 * @slots: the filters
 * @used: which slots hold one
 * @count: how many do
 */
struct vmq_filter_table {
	struct vmq_filter slots[VMQ_FILTERS_MAX];
	DECLARE_BITMAP(used, VMQ_FILTERS_MAX);
	unsigned int count;
};

/**
 * struct vmq_filter_snap - the receive path's read-only copy of a table
 * @rcu: frees it after a grace period
 * @n: number of filters
 * @f: the filters, MAC+VLAN ones first
 */
struct vmq_filter_snap {
	struct rcu_head rcu;
	unsigned int n;
	struct vmq_filter f[];
};

int vmq_filter_validate(const struct vmq_filter *f, const char **why);
int vmq_filter_add(struct vmq_filter_table *t, const struct vmq_filter *f,
		   u32 loc, const char **why);
int vmq_filter_del(struct vmq_filter_table *t, u32 loc, struct vmq_filter *old);
const struct vmq_filter *vmq_filter_get(const struct vmq_filter_table *t,
					u32 loc);
unsigned int vmq_filter_queue_count(const struct vmq_filter_table *t,
				    u16 queue);
struct vmq_filter_snap *vmq_filter_snap_build(const struct vmq_filter_table *t,
					      gfp_t gfp);
int vmq_filter_match(const struct vmq_filter_snap *s, const u8 *dst,
		     bool tagged, u16 vlan);

/* ---- queue_state.c: the NDIS VM queue state machine ------------------- */

enum vmq_queue_state {
	VMQ_QS_UNDEFINED,
	VMQ_QS_ALLOCATED,
	VMQ_QS_SET,
	VMQ_QS_RUNNING,
	VMQ_QS_PAUSED,
	VMQ_QS_DMA_STOPPED,
	VMQ_QS_FREEING,
};

enum vmq_queue_event {
	VMQ_QE_ALLOC_COMPLETE,
	VMQ_QE_FILTER_SET,
	VMQ_QE_FILTER_CLEARED,	/* the queue's last filter */
	VMQ_QE_FREE,
	VMQ_QE_BUFFERS_BACK,
	VMQ_QE_FREED,
};

const char *vmq_queue_state_name(enum vmq_queue_state state);
int vmq_queue_next_state(enum vmq_queue_state cur, enum vmq_queue_event ev,
			 enum vmq_queue_state *next, const char **why);

#endif /* _VMQNET_H */
