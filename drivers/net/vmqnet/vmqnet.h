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
 * @shmem: its shared memory (see the shared memory section below)
 */
struct vmq_dev {
	struct vmq_bus_dev *bdev;
	struct list_head port_list;
	struct dentry *ddir;
	struct dentry *ports_ddir;
	struct vmq_shmem_pool *shmem;
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

/* ==== shared memory (shmem.c, shmem_dma.c, shmem_debugfs.c) ============
 *
 * The NDIS-style shared memory allocator. The public API is
 * <vmqnet/shmem.h>; this section is what the rest of vmqnet.ko (device
 * probe/remove, devlink, debugfs, later the queues) and the KUnit suite see.
 *
 * A struct vmq_shmem_pool is one device's allocator. It is refcounted and
 * outlives the device when a client (another module) still holds it: after
 * vmq_shmem_pool_destroy() every call on it fails with -ENODEV instead of
 * touching a device that is gone.
 */
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/xarray.h>
#include <vmqnet/shmem.h>

/* devlink resource "shared_memory", in VMQ_SHMEM_UNIT (4 KiB) units. */
#define VMQ_RES_SHARED_MEMORY		1
#define VMQ_SHMEM_BUDGET_DEFAULT	8192		/* 32 MiB */
#define VMQ_SHMEM_BUDGET_MAX		BIT_ULL(20)	/* 4 GiB */

/* A pool that no device ID names: not found by vmq_shmem_open(). */
#define VMQ_SHMEM_NO_ID			U32_MAX
/* Fault injection filters: match any queue / usage. */
#define VMQ_SHMEM_FAULT_ANY		U32_MAX

/**
 * struct vmq_shmem_stats - what a set of blocks holds
 * @blocks: number of blocks
 * @bytes: their requested lengths, summed
 */
struct vmq_shmem_stats {
	u64 blocks;
	u64 bytes;
};

/**
 * struct vmq_shmem_queue - the blocks of one queue
 * @id: queue ID
 * @blocks: its blocks (struct vmq_shmem_block.queue_node)
 * @stats: their totals
 */
struct vmq_shmem_queue {
	u32 id;
	struct list_head blocks;
	struct vmq_shmem_stats stats;
};

/**
 * struct vmq_shmem_fault - debugfs fault injection, netdevsim style
 * @count: fail this many more matching allocations with -ENOMEM
 * @queue: only allocations for this queue, or VMQ_SHMEM_FAULT_ANY
 * @usage: only allocations with this usage, or VMQ_SHMEM_FAULT_ANY
 * @injected: failures injected so far
 */
struct vmq_shmem_fault {
	u32 count;
	u32 queue;
	u32 usage;
	u64 injected;
};

enum vmq_shmem_state {
	VMQ_SHMEM_RUNNING,	/* allocations are served */
	VMQ_SHMEM_HALTED,	/* devlink reload in progress: all freed */
	VMQ_SHMEM_DEAD,		/* device removed: all freed, forever */
};

/**
 * struct vmq_shmem_pool - the shared memory of one device
 * @ref: the device holds one reference until vmq_shmem_pool_destroy(),
 *	each open client one
 * @lock: serialises everything below, and the provider's handlers
 * @dma_dev: the device memory is allocated for (a reference is held)
 * @dev_id: its vmqnet ID, or VMQ_SHMEM_NO_ID
 * @name: for messages, which must not depend on @dma_dev being bound
 * @state: enum vmq_shmem_state
 * @blocks: live blocks by allocation handle
 * @next_handle: where the cyclic handle search starts
 * @handle_limit: range of allocation handles (tests shrink it)
 * @queues: struct vmq_shmem_queue by queue ID, created on first use
 * @clients: open clients (struct vmq_shmem_client.node)
 * @dma_provider: the default provider (shmem_dma.c), context @pool
 * @provider: the provider serving allocations now
 * @provider_owner: the client that registered @provider, or NULL
 * @budget: allocations may hold this many units
 * @budget_next: budget to apply when a devlink reload completes
 * @used: units held now; read without @lock by the devlink occupancy getter
 * @total: every live block
 * @leaked: blocks freed by vmqnet because their owner did not (cumulative)
 * @nr_queues: queue IDs below it exist (until the queue code takes over
 *	with vmq_shmem_pool_set_queue_check())
 * @queue_valid: decides whether a queue ID exists, or NULL for @nr_queues
 * @queue_valid_priv: its argument
 * @fault: fault injection
 * @scatter_max_order: largest chunk order of scattered blocks
 * @ddir: debugfs directory, or NULL
 */
struct vmq_shmem_pool {
	struct kref ref;
	struct mutex lock;		/* see above */
	struct device *dma_dev;
	u32 dev_id;
	char name[24];
	enum vmq_shmem_state state;
	struct xarray blocks;
	u32 next_handle;
	struct xa_limit handle_limit;
	struct xarray queues;
	struct list_head clients;
	struct vmq_shmem_provider dma_provider;
	const struct vmq_shmem_provider *provider;
	struct vmq_shmem_client *provider_owner;
	u64 budget;
	u64 budget_next;
	u64 used;
	struct vmq_shmem_stats total;
	struct vmq_shmem_stats leaked;
	u32 nr_queues;
	bool (*queue_valid)(void *priv, u32 queue_id);
	void *queue_valid_priv;
	struct vmq_shmem_fault fault;
	unsigned int scatter_max_order;
	struct dentry *ddir;
};

/**
 * struct vmq_shmem_client - one user of a pool (opaque in the public API)
 * @pool: the pool; the client holds a reference
 * @node: entry in @pool->clients
 * @name: the user's name, for debugfs and leak reports
 * @stats: its live blocks
 * @leak: scratch for the leak report of one sweep
 * @provider: its provider, if it registered one
 */
struct vmq_shmem_client {
	struct vmq_shmem_pool *pool;
	struct list_head node;
	char name[32];
	struct vmq_shmem_stats stats;
	struct vmq_shmem_stats leak;
	struct vmq_shmem_provider provider;
};

/**
 * struct vmq_shmem_block - one live block
 * @params: the request and the provider's results
 * @sgt: the table @params.sgt points to, filled in by the provider
 * @queue_node: entry in @queue->blocks
 * @queue: its queue
 * @client: its owner
 * @provider: the provider that allocated it and will free it
 * @mem_ctx: the provider's per-block context
 * @handle: allocation handle
 * @units: budget units charged
 */
struct vmq_shmem_block {
	struct vmq_shmem_params params;
	struct sg_table sgt;
	struct list_head queue_node;
	struct vmq_shmem_queue *queue;
	struct vmq_shmem_client *client;
	const struct vmq_shmem_provider *provider;
	void *mem_ctx;
	u32 handle;
	u32 units;
};

/* shmem.c: pure helpers, also for KUnit */
u32 vmq_shmem_units(size_t length);
int vmq_shmem_params_check(const struct vmq_shmem_params *params);
bool vmq_shmem_budget_fits(u64 budget, u64 used, u64 units);
bool vmq_shmem_fault_hit(struct vmq_shmem_fault *fault,
			 const struct vmq_shmem_params *params);

/* shmem.c: the pool, for device probe/remove, devlink and the queues */
struct vmq_shmem_pool *vmq_shmem_pool_create(struct device *dma_dev,
					     u32 dev_id, u64 budget);
void vmq_shmem_pool_destroy(struct vmq_shmem_pool *pool);
void vmq_shmem_pool_set_nr_queues(struct vmq_shmem_pool *pool, u32 nr);
void vmq_shmem_pool_set_queue_check(struct vmq_shmem_pool *pool,
				    bool (*valid)(void *priv, u32 queue_id),
				    void *priv);
struct vmq_shmem_client *vmq_shmem_pool_open(struct vmq_shmem_pool *pool,
					     const char *name);
u64 vmq_shmem_pool_occupancy(struct vmq_shmem_pool *pool);
int vmq_shmem_devlink_register(struct devlink *devlink,
			       struct vmq_shmem_pool *pool);
void vmq_shmem_devlink_unregister(struct devlink *devlink);
int vmq_shmem_reload_down(struct devlink *devlink,
			  struct vmq_shmem_pool *pool,
			  struct netlink_ext_ack *extack);
void vmq_shmem_reload_up(struct vmq_shmem_pool *pool);

/* shmem_dma.c: the default provider */
extern const struct vmq_shmem_provider_ops vmq_shmem_dma_ops;
int __vmq_shmem_dma_alloc(struct device *dev, struct vmq_shmem_params *params,
			  void **mem_ctx, unsigned int max_order);

/* shmem_debugfs.c */
void vmq_shmem_debugfs_init(struct vmq_shmem_pool *pool,
			    struct dentry *parent);
void vmq_shmem_debugfs_exit(struct vmq_shmem_pool *pool);

/* ==== end of shared memory ============================================= */

#endif /* _VMQNET_H */
