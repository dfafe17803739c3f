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

/**
 * struct vmq_dev - driver state of a bound vmqnet device (devlink priv)
 * @bdev: the bus device it is bound to
 * @port_list: its ports, changed under the devlink instance lock and RTNL
 * @ddir: debugfs directory vmqnet/vmqnet<ID>/
 * @ports_ddir: debugfs directory vmqnet/vmqnet<ID>/ports/
 * @shmem: its shared memory (see the shared memory section below)
 * @rx_lookahead_split: VM queues split frames into lookahead and
 *	post-lookahead buffers (read at allocation complete, queue.c)
 * @rx_lookahead_size: bytes in the lookahead buffer,
 *	VMQ_LOOKAHEAD_MIN .. VMQ_LOOKAHEAD_MAX
 * @rx_buffer_size: bytes per receive buffer,
 *	VMQ_RX_BUF_SIZE_MIN .. VMQ_RX_BUF_SIZE_MAX
 * @rx_contiguous: receive buffers must be physically contiguous
 * @rx_queues: the shared memory queue IDs that exist (queue.c)
 * @rx_queues_live: those of them whose DMA has not been stopped for good:
 *	they may allocate shared memory (queue.c)
 * @vm_queues_max: VM queues the device may have allocated at once
 *	(devlink resource vm_queues, devlink_params.c)
 * @vm_queues_next: @vm_queues_max from the next reload on
 * @health: the devlink health reporter "vmq" (health.c)
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
	DECLARE_BITMAP(rx_queues, VMQ_PORTS_MAX * VMQ_QUEUES_MAX);
	DECLARE_BITMAP(rx_queues_live, VMQ_PORTS_MAX * VMQ_QUEUES_MAX);
	u32 vm_queues_max;
	u32 vm_queues_next;
	struct devlink_health_reporter *health;
};

/**
 * struct vmq_port - one port of a vmqnet device
 * @vdev: the device it belongs to
 * @list: entry in @vdev->port_list
 * @index: port index, 0 .. ports - 1
 * @devlink_port: its devlink port (flavour physical)
 * @netdev: its net_device
 * @rx: its receive side: VM queues, filters (queue.c, rx.c)
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
 * struct vmq_ring_stats - counters of one queue
 * @packets: packets
 * @bytes: bytes
 * @drops: packets dropped (TX: not delivered to the peer)
 * @syncp: makes the 64-bit counters safe to read on 32-bit hosts
 *
 * One per queue, so that queues never share a cache line of counters and
 * each is only written under its own queue's lock.
 */
struct vmq_ring_stats {
	u64 packets;
	u64 bytes;
	u64 drops;
	struct u64_stats_sync syncp;
};

/**
 * struct vmq_netdev - netdev_priv() of a vmqnet port
 * @netdev: the net_device
 * @port: the port that owns it
 * @tx_stats: per TX queue counters
 * @rx_stats: per RX queue counters
 * @tx_drops_no_peer: TX drops (also in @tx_stats) with no linked peer
 *	running, such as frames in flight while the link watch takes the
 *	carrier down: the one TX drop cause the peer cannot count
 * @tx_drops_mtu: TX drops (also in @tx_stats) too long for the peer's MTU
 */
struct vmq_netdev {
	struct net_device *netdev;
	struct vmq_port *port;
	struct vmq_ring_stats tx_stats[VMQ_QUEUES_MAX];
	struct vmq_ring_stats rx_stats[VMQ_QUEUES_MAX];
	atomic64_t tx_drops_no_peer;
	atomic64_t tx_drops_mtu;
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
void vmq_ring_stats_read(const struct vmq_ring_stats *stats, u64 *packets,
			 u64 *bytes, u64 *drops);
void vmq_tx_get_stats64(struct vmq_netdev *vn, struct rtnl_link_stats64 *tot);

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
 * probe/remove, devlink, debugfs, the queues) and the KUnit suite see.
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

/* Block structures a pool keeps for reuse. */
#define VMQ_SHMEM_SPARES_MAX		16

/* A pool that no device ID names: not found by vmq_shmem_open(). */
#define VMQ_SHMEM_NO_ID			U32_MAX
/* Fault injection filters: match any queue / usage. */
#define VMQ_SHMEM_FAULT_ANY		U32_MAX

/**
 * struct vmq_shmem_stats - what a set of blocks holds
 * @blocks: number of blocks
 * @bytes: their requested lengths, summed
 * @units: the budget units they are charged
 */
struct vmq_shmem_stats {
	u64 blocks;
	u64 bytes;
	u64 units;
};

/**
 * struct vmq_shmem_queue - the blocks of one queue
 * @id: queue ID
 * @stats: their totals
 *
 * The blocks themselves are found through the handle table: freeing a
 * queue is rare, allocating and freeing blocks is not.
 */
struct vmq_shmem_queue {
	u32 id;
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

/* Allocation handles: (generation << VMQ_SHMEM_SLOT_BITS) | slot. Every
 * block is charged at least one unit, so the budget bounds the live blocks
 * by VMQ_SHMEM_BUDGET_MAX = VMQ_SHMEM_SLOTS_MAX; with 11 generation bits a
 * handle is at most INT_MAX.
 */
#define VMQ_SHMEM_SLOT_BITS		20
#define VMQ_SHMEM_SLOTS_MAX		BIT(VMQ_SHMEM_SLOT_BITS)
#define VMQ_SHMEM_SLOT_MASK		(VMQ_SHMEM_SLOTS_MAX - 1)
#define VMQ_SHMEM_SLOTS_MIN		64
#define VMQ_SHMEM_GEN_MAX		(BIT(31 - VMQ_SHMEM_SLOT_BITS) - 1)
#define VMQ_SHMEM_SLOT_NONE		U32_MAX

struct vmq_shmem_block;

/**
 * struct vmq_shmem_slot - one entry of the handle table
 * @blk: the block it names, or NULL when free
 * @gen: generation of the handle that names (or will name) @blk,
 *	1 .. VMQ_SHMEM_GEN_MAX
 * @next_free: next slot in the free FIFO, or VMQ_SHMEM_SLOT_NONE
 */
struct vmq_shmem_slot {
	struct vmq_shmem_block *blk;
	u32 gen;
	u32 next_free;
};

/**
 * struct vmq_shmem_handles - a pool's allocation handles
 * @slots: @nr slots, grown by doubling
 * @nr: slots allocated
 * @max: at most this many slots
 * @free_head: the free slot to use next, or VMQ_SHMEM_SLOT_NONE
 * @free_tail: the free slot freed last, or VMQ_SHMEM_SLOT_NONE
 */
struct vmq_shmem_handles {
	struct vmq_shmem_slot *slots;
	u32 nr;
	u32 max;
	u32 free_head;
	u32 free_tail;
};

void vmq_shmem_handles_init(struct vmq_shmem_handles *t, u32 max_slots);
void vmq_shmem_handles_destroy(struct vmq_shmem_handles *t);
int vmq_shmem_handle_new(struct vmq_shmem_handles *t,
			 struct vmq_shmem_block *blk);
struct vmq_shmem_block *
vmq_shmem_handle_find(const struct vmq_shmem_handles *t, u32 handle);
void vmq_shmem_handle_release(struct vmq_shmem_handles *t, u32 handle);

struct vmq_shmem_block *
vmq_shmem_handles_next(const struct vmq_shmem_handles *t, u32 *slot);

enum vmq_shmem_state {
	VMQ_SHMEM_RUNNING,	/* allocations are served */
	VMQ_SHMEM_RELOADING,	/* reload accepted: no allocation, frees go on */
	VMQ_SHMEM_HALTED,	/* devlink reload in progress: all freed */
	VMQ_SHMEM_DEAD,		/* device removed: all freed, forever */
};

/* What the queue code says of a queue ID (vmq_shmem_pool_set_queue_check). */
enum vmq_shmem_qstate {
	VMQ_SHMEM_Q_NONE,	/* no such queue */
	VMQ_SHMEM_Q_LIVE,	/* Allocated .. Paused: may allocate */
	VMQ_SHMEM_Q_FREEING,	/* DMA stopped or Freeing: FREE_QUEUE runs */
};

/**
 * struct vmq_shmem_prov - a provider as the pool keeps it
 * @desc: name, handlers, context and module
 * @client: the client that registered it, or NULL: the DMA provider, or
 *	a provider whose client unregistered or closed
 * @blocks: live blocks it supplied; it is freed once it has no client
 *	and no blocks
 */
struct vmq_shmem_prov {
	struct vmq_shmem_provider desc;
	struct vmq_shmem_client *client;
	unsigned int blocks;
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
 * @handles: live blocks by allocation handle (shmem_handle.c)
 * @spares: recycled block structures
 * @nr_spares: how many of @spares hold one
 * @queues: struct vmq_shmem_queue by queue ID, created on first use
 * @last_queue: the queue of the last allocation, or NULL: a queue
 *	allocates its blocks in a row, so this spares most @queues lookups
 * @clients: open clients (struct vmq_shmem_client.node)
 * @dma_prov: the default provider (shmem_dma.c), context @pool
 * @prov: the provider serving allocations now: @dma_prov or a client's
 * @budget: allocations may hold this many units
 * @budget_next: budget to apply when a devlink reload completes
 * @used: units held now; read without @lock by the devlink occupancy getter
 * @total: every live block
 * @leaked: blocks freed by vmqnet because their owner did not (cumulative)
 * @nr_queues: queue IDs below it are live (until the queue code takes over
 *	with vmq_shmem_pool_set_queue_check())
 * @queue_state: what the queue code says of a queue ID, or NULL for
 *	@nr_queues
 * @queue_state_priv: its argument
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
	struct vmq_shmem_handles handles;
	struct vmq_shmem_block *spares[VMQ_SHMEM_SPARES_MAX];
	unsigned int nr_spares;
	struct xarray queues;
	struct vmq_shmem_queue *last_queue;
	struct list_head clients;
	struct vmq_shmem_prov dma_prov;
	struct vmq_shmem_prov *prov;
	u64 budget;
	u64 budget_next;
	u64 used;
	struct vmq_shmem_stats total;
	struct vmq_shmem_stats leaked;
	u32 nr_queues;
	enum vmq_shmem_qstate (*queue_state)(void *priv, u32 queue_id);
	void *queue_state_priv;
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
 * @prov: the provider it registered, or NULL
 * @internal: one of vmqnet's own (a port's queues): its blocks are rings
 *	and receive buffers, and only vmqnet frees them
 */
struct vmq_shmem_client {
	struct vmq_shmem_pool *pool;
	struct list_head node;
	char name[32];
	struct vmq_shmem_stats stats;
	struct vmq_shmem_stats leak;
	struct vmq_shmem_prov *prov;
	bool internal;
};

/**
 * struct vmq_shmem_block - one live block
 * @params: the request and the provider's results
 * @sgt: the table @params.sgt points to, filled in by the provider
 * @queue: its queue
 * @client: its owner
 * @prov: the provider that allocated it and will free it
 * @mem_ctx: the provider's per-block context
 * @handle: allocation handle
 * @units: budget units charged
 * @pinned: holds a reference on @prov's module
 */
struct vmq_shmem_block {
	struct vmq_shmem_params params;
	struct sg_table sgt;
	struct vmq_shmem_queue *queue;
	struct vmq_shmem_client *client;
	struct vmq_shmem_prov *prov;
	void *mem_ctx;
	u32 handle;
	u32 units;
	bool pinned;
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
				    enum vmq_shmem_qstate (*state)(void *priv,
								   u32 queue_id),
				    void *priv);
struct vmq_shmem_client *vmq_shmem_pool_open(struct vmq_shmem_pool *pool,
					     const char *name);
struct vmq_shmem_client *vmq_shmem_pool_open_own(struct vmq_shmem_pool *pool,
						 const char *name);
unsigned int vmq_shmem_queue_release(struct vmq_shmem_pool *pool,
				     u32 queue_id, bool halt);
u64 vmq_shmem_pool_occupancy(struct vmq_shmem_pool *pool);
int vmq_shmem_devlink_register(struct devlink *devlink,
			       struct vmq_shmem_pool *pool);
void vmq_shmem_devlink_unregister(struct devlink *devlink);
int vmq_shmem_reload_check(struct devlink *devlink,
			   struct vmq_shmem_pool *pool, u64 own_need,
			   struct netlink_ext_ack *extack);
void vmq_shmem_reload_down(struct vmq_shmem_pool *pool);
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

/* ==== VM queues (queue.c) and the receive path (rx.c) ===================
 *
 * RX ring r of a port is VM queue r; ring 0 is the default queue, which
 * always exists. A queue follows the NDIS lifecycle of queue_state.c:
 *
 *   vmq_queue_alloc()      OID_RECEIVE_FILTER_ALLOCATE_QUEUE: Allocated,
 *                          no memory yet
 *   vmq_queue_filter_set() SET_FILTER: Allocated/Set -> Set,
 *                          Running/Paused -> Running
 *   vmq_queue_complete()   QUEUE_ALLOCATION_COMPLETE: the shared memory is
 *                          allocated, Allocated -> Paused, Set -> Running
 *   vmq_queue_filter_clear() CLEAR_FILTER; the last one: Set -> Allocated,
 *                          Running -> Paused
 *   vmq_queue_free()       FREE_QUEUE: stop DMA, DMA stopped, wait for the
 *                          buffers, free the memory, Undefined
 *
 * Allocation completes only while the port is up: a VM queue allocated on
 * a port that is down stays Allocated (or Set, once it has a filter) and
 * its allocation completes at the next open. At stop, DMA stops and the
 * NAPI instances are drained and disabled, but queues keep their memory
 * and their state (Running/Paused): a down port holds no frames. The
 * default queue gets its memory when the port is created and loses it
 * when the port goes (halt: port removal, devlink reload, rmmod).
 *
 * Shared memory: the pool is per device, so a queue's shmem queue ID is
 * port index * VMQ_QUEUES_MAX + ring (vmq_queue_shmem_id()); the pool
 * takes new blocks for queues in service (Allocated .. Paused), and none
 * once FREE_QUEUE or the halt has stopped a queue's DMA.
 * Allocation complete gives a queue, from vmq_dev's rx_* parameters as
 * they are at that moment:
 *   - the descriptor/completion ring, contiguous, usage OTHER: it holds
 *     no frame data (RECEIVE_HEADER would claim header-split buffers);
 *   - nbufs receive buffers of rx_buffer_size bytes: one RECEIVE block,
 *     or with lookahead split one RECEIVE_LOOKAHEAD block (lookahead_size
 *     bytes per buffer) and one RECEIVE_POST_LOOKAHEAD block whose buffers
 *     start with lookahead_size bytes of back-fill room. Scattered unless
 *     rx_contiguous.
 *
 * Locking: queue configuration changes under RTNL (ethtool, ndo_open/stop,
 * macvlan offload); the receive path reads ->state with READ_ONCE() and
 * the filters through an RCU snapshot, and writes a queue's memory only
 * under its producer lock with DMA on.
 */

/* Receive buffers per queue (ethtool -G rx): NumSuggestedReceiveBuffers. */
#define VMQ_RX_BUFS_MIN			16
#define VMQ_RX_BUFS_DEFAULT		256
#define VMQ_RX_BUFS_MAX			4096
/* Receive buffer size: the largest frame a queue takes (devlink param). */
#define VMQ_RX_BUF_SIZE_MIN		1536
#define VMQ_RX_BUF_SIZE_DEFAULT		2048
#define VMQ_RX_BUF_SIZE_MAX		16384
/* Lookahead split: min and max lookahead size (capabilities). */
#define VMQ_LOOKAHEAD_MIN		64
#define VMQ_LOOKAHEAD_DEFAULT		128
#define VMQ_LOOKAHEAD_MAX		512

/* struct vmq_rx_desc flags */
#define VMQ_RXD_F_DONE			BIT(0)	/* written, not yet consumed */
#define VMQ_RXD_F_VLAN			BIT(1)	/* @vlan_tci holds a stripped tag */
#define VMQ_RXD_F_SPLIT			BIT(2)	/* @post_* hold the rest */
/* BIT(3) is rx.c's checksum-verified flag. */
#define VMQ_RXD_F_MORE			BIT(4)	/* frame goes on in the next one */
/* The queue's epoch when the frame was written (struct vmq_rxq @epoch). */
#define VMQ_RXD_F_EPOCH			GENMASK(15, 8)

/**
 * struct vmq_rx_desc - one receive completion, in the queue's ring
 * @shmem_handle: shared memory handle of the block holding the frame (the
 *	lookahead block with lookahead split)
 * @offset: offset of the frame in that block
 * @post_shmem_handle: with VMQ_RXD_F_SPLIT, the post-lookahead block
 * @post_offset: offset of the rest of the frame in it
 * @len: bytes at @offset
 * @post_len: bytes at @post_offset
 * @flags: VMQ_RXD_F_*; VMQ_RXD_F_DONE is written last (release) by the
 *	device and cleared last by the driver, which returns the buffer
 * @vlan_tci: the tag with VMQ_RXD_F_VLAN
 * @gso_type: SKB_GSO_* of a coalesced super-frame (first descriptor of
 *	the frame), 0 for a plain frame
 * @gso_size: with @gso_type, the payload bytes of each wire segment (MSS)
 * @gso_segs: with @gso_type, how many wire segments the frame stands for
 *
 * Descriptor i always describes receive buffer i: the ring is the free
 * list too, as on a NIC whose driver posts buffer i at descriptor i.
 * A frame longer than a buffer (a TSO super-frame the receiving side
 * coalesces, as LRO/GRO_HW hardware does) fills consecutive buffers: every
 * descriptor but its last has VMQ_RXD_F_MORE, and the first one, which
 * carries the frame's flags and GSO fields, is completed (DONE) last.
 * Little endian, as a device would write it.
 */
struct vmq_rx_desc {
	__le32 shmem_handle;
	__le32 offset;
	__le32 post_shmem_handle;
	__le32 post_offset;
	__le16 len;
	__le16 post_len;
	__le16 flags;
	__le16 vlan_tci;
	__le32 gso_type;
	__le16 gso_size;
	__le16 gso_segs;
};

/**
 * struct vmq_rxq_blk - one shared memory block of a queue
 * @vaddr: its kernel mapping, or NULL when not allocated
 * @alloc_handle: allocation handle, to free it
 * @shmem_handle: shared memory handle, quoted in completions
 * @length: bytes
 */
struct vmq_rxq_blk {
	void *vaddr;
	u32 alloc_handle;
	u32 shmem_handle;
	size_t length;
};

/**
 * struct vmq_rxq_mem - a queue's shared memory, laid out at allocation
 *	complete
 * @nbufs: receive buffers, and descriptors in @ring
 * @buf_size: bytes per receive buffer: the largest frame
 * @la_size: lookahead bytes per buffer, 0 without lookahead split
 * @contiguous: the receive buffer blocks are physically contiguous
 * @ring: the descriptor/completion ring (usage OTHER)
 * @bufs: RECEIVE buffers, or RECEIVE_LOOKAHEAD ones with lookahead split
 * @post: RECEIVE_POST_LOOKAHEAD buffers (lookahead split only)
 */
struct vmq_rxq_mem {
	u32 nbufs;
	u32 buf_size;
	u32 la_size;
	bool contiguous;
	struct vmq_rxq_blk ring;
	struct vmq_rxq_blk bufs;
	struct vmq_rxq_blk post;
};

/**
 * struct vmq_rxq_stats - receive counters of one queue kept by the device
 * @drops_no_buffer: no free receive buffer (ring full)
 * @drops_not_running: the queue's DMA was stopped
 * @drops_oversize: frame longer than the receive buffer (a GSO
 *	super-frame: than all of the queue's buffers)
 * @drops_paused: frames in the ring when the queue's last filter was
 *	cleared: NAPI returns their buffers without indicating them
 * @syncp: for 64-bit reads on 32-bit hosts
 *
 * Written under the queue's producer lock (NAPI takes it for
 * @drops_paused). Delivered packets and bytes,
 * and skb allocation failures, are counted by NAPI in the netdev's
 * rx_stats[ring].
 */
struct vmq_rxq_stats {
	u64 drops_no_buffer;
	u64 drops_not_running;
	u64 drops_oversize;
	u64 drops_paused;
	struct u64_stats_sync syncp;
};

/**
 * struct vmq_rxq - one VM queue (RX ring) of a port
 * @port: its port
 * @ring: its index, 0 = the default queue
 * @state: enum vmq_queue_state; written under RTNL (the change to Paused
 *	also under @lock), read under @lock by the device and locklessly
 *	elsewhere
 * @owner: the macvlan whose queue this is (l2-fwd-offload), or NULL for
 *	a queue ethtool manages; written under RTNL, read by NAPI, which
 *	delivers the queue's frames to it
 * @napi_on: @napi is enabled; under RTNL
 * @mem: its shared memory; changed under RTNL with DMA off and NAPI
 *	disabled
 * @napi: NAPI instance of this ring
 * @lock: producer lock: serialises the "device" writing into @mem
 * @dma_on: the device may write into @mem; under @lock
 * @prod: next descriptor the device writes; under @lock
 * @cons: next descriptor NAPI reads; NAPI only
 * @epoch: bumped under @lock when the last filter is cleared; the device
 *	stamps each frame with it, and NAPI indicates only frames of the
 *	current epoch (queue.c vmq_rxq_filters_gone())
 * @stats: drops counted by the device, by cause
 */
struct vmq_rxq {
	struct vmq_port *port;
	u16 ring;
	enum vmq_queue_state state;
	struct net_device *owner;
	bool napi_on;
	struct vmq_rxq_mem mem;
	struct napi_struct napi;

	spinlock_t lock;	/* see above */
	bool dma_on;
	u32 prod;
	u32 cons;
	u8 epoch;
	struct vmq_rxq_stats stats;
};

/**
 * struct vmq_port_rx - the receive side of a port (port->rx)
 * @q: its queues, by ring; ring < netdev->real_num_rx_queues exist
 * @netdev: the port's net_device (port->netdev is set only once it is
 *	registered)
 * @shmem: the port's shared memory client, owner of its queues' blocks
 * @nbufs: receive buffers per queue at the next allocation (ethtool -G)
 * @filters: the receive filter table; under RTNL
 * @snap: what the receive path sees of @filters (RCU)
 * @promisc: IFF_PROMISC: take unicast frames for any MAC
 * @allmulti: IFF_ALLMULTI: take every multicast frame
 * @mc_hash: multicast hash filter (ndo_set_rx_mode), by the low bits of
 *	the CRC of the address, as NICs filter multicast
 * @drops_filtered: frames dropped as not for this port: unicast for
 *	another MAC (not promiscuous), multicast not subscribed, runts
 */
struct vmq_port_rx {
	struct vmq_rxq q[VMQ_QUEUES_MAX];
	struct net_device *netdev;
	struct vmq_shmem_client *shmem;
	u32 nbufs;
	struct vmq_filter_table filters;
	struct vmq_filter_snap __rcu *snap;
	bool promisc;
	bool allmulti;
	DECLARE_BITMAP(mc_hash, 256);
	atomic64_t drops_filtered;
};

/**
 * vmq_queue_shmem_id() - the shared memory queue ID of a port's ring
 * @port_index: port index
 * @ring: ring (queue) index
 *
 * Return: port_index * VMQ_QUEUES_MAX + ring, unique in the device.
 */
static inline u32 vmq_queue_shmem_id(unsigned int port_index,
				     unsigned int ring)
{
	static_assert(VMQ_QUEUES_MAX == VMQ_SHMEM_QUEUES_PER_PORT);
	return VMQ_SHMEM_QUEUE_ID(port_index, ring);
}

/* queue.c: lifecycle, for netdev.c, ethtool_rx.c and macvlan offload */
int vmq_queue_refuse(struct vmq_port *port, unsigned int ring,
		     struct netlink_ext_ack *extack, int err, const char *why);
void vmq_rx_params_init(struct vmq_dev *vdev);
enum vmq_shmem_qstate vmq_queue_shmem_state(void *priv, u32 queue_id);
int vmq_queues_create(struct vmq_port *port, struct net_device *netdev,
		      unsigned int nr);
void vmq_queues_destroy(struct vmq_port *port);
int vmq_queues_open(struct vmq_port *port);
void vmq_queues_stop(struct vmq_port *port);
int vmq_queues_set_count(struct vmq_port *port, unsigned int nr,
			 struct netlink_ext_ack *extack);
int vmq_queues_set_nbufs(struct vmq_port *port, u32 nbufs,
			 struct netlink_ext_ack *extack);
int vmq_queue_alloc(struct vmq_port *port, unsigned int ring,
		    struct netlink_ext_ack *extack);
int vmq_queue_complete(struct vmq_port *port, unsigned int ring,
		       struct netlink_ext_ack *extack);
int vmq_queue_free(struct vmq_port *port, unsigned int ring,
		   struct netlink_ext_ack *extack);
int vmq_queue_filter_set(struct vmq_port *port, const struct vmq_filter *f,
			 u32 loc, struct netlink_ext_ack *extack);
int vmq_queue_filter_clear(struct vmq_port *port, u32 loc,
			   struct netlink_ext_ack *extack);
u64 vmq_queue_shmem_bytes(const struct vmq_rxq *q);
u64 vmq_rxq_mem_units(const struct vmq_rxq_mem *m);
void vmq_queues_debugfs_init(struct vmq_port *port);

/* rx.c: the receive data path */
int vmq_rx_frame(struct vmq_port *port, struct sk_buff *skb);
int vmq_rx_poll(struct napi_struct *napi, int budget);
void vmq_rx_dma_start(struct vmq_rxq *q);
void vmq_rx_dma_stop(struct vmq_rxq *q);
void vmq_rx_set_rx_mode(struct net_device *netdev);
void vmq_rx_stats_read(struct vmq_rxq *q, struct vmq_rxq_stats *out);
void vmq_rx_get_stats64(struct vmq_port *port, struct rtnl_link_stats64 *tot);

/* ethtool_rx.c: -L/-l, -N/-n, -G/-g, -S (in vmq_ethtool_ops) */
void vmq_ethtool_get_channels(struct net_device *netdev,
			      struct ethtool_channels *ch);
int vmq_ethtool_set_channels(struct net_device *netdev,
			     struct ethtool_channels *ch);
void vmq_ethtool_get_ringparam(struct net_device *netdev,
			       struct ethtool_ringparam *ring,
			       struct kernel_ethtool_ringparam *kring,
			       struct netlink_ext_ack *extack);
int vmq_ethtool_set_ringparam(struct net_device *netdev,
			      struct ethtool_ringparam *ring,
			      struct kernel_ethtool_ringparam *kring,
			      struct netlink_ext_ack *extack);
int vmq_ethtool_get_rxnfc(struct net_device *netdev,
			  struct ethtool_rxnfc *cmd, u32 *rule_locs);
int vmq_ethtool_set_rxnfc(struct net_device *netdev,
			  struct ethtool_rxnfc *cmd);
int vmq_ethtool_get_sset_count(struct net_device *netdev, int sset);
void vmq_ethtool_get_strings(struct net_device *netdev, u32 sset, u8 *data);
void vmq_ethtool_get_stats(struct net_device *netdev,
			   struct ethtool_stats *stats, u64 *data);

/* ==== end of VM queues ================================================= */

/* ==== devlink params, vm_queues, health, macvlan offload ================
 *
 * devlink_params.c: the driverinit params lookahead_split, lookahead_size,
 * rx_buffer_size and rx_contiguous (applied to vmq_dev's rx_* fields at
 * reload) and the resource vm_queues: how many VM queues (not counting
 * the default queues) the device may have allocated at once; occupancy
 * is how many it has. health.c: the reporter "vmq". macvlan.c: l2-fwd
 * offload, one VM queue per macvlan.
 */

/* devlink resource "vm_queues", in queues. */
#define VMQ_RES_VM_QUEUES		2
#define VMQ_VM_QUEUES_MAX		(VMQ_PORTS_MAX * (VMQ_QUEUES_MAX - 1))

int vmq_devlink_params_init(struct vmq_dev *vdev);
void vmq_devlink_params_fini(struct vmq_dev *vdev);
int vmq_devlink_params_reload_down(struct vmq_dev *vdev, u64 *shmem_need,
				   struct netlink_ext_ack *extack);
void vmq_devlink_params_reload_up(struct vmq_dev *vdev);
u32 vmq_vm_queues_occupancy(struct vmq_dev *vdev);

int vmq_health_init(struct vmq_dev *vdev);
void vmq_health_fini(struct vmq_dev *vdev);

void *vmq_macvlan_add(struct net_device *lower, struct net_device *macvlan);
void vmq_macvlan_del(struct net_device *lower, void *priv);
void vmq_macvlan_release_all(struct net_device *lower);
int vmq_macvlan_init(void);
void vmq_macvlan_exit(void);

/* ==== end of devlink params, vm_queues, health, macvlan offload ======== */

#endif /* _VMQNET_H */
