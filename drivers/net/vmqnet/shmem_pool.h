/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The shared memory allocator inside vmqnet.ko (shmem*.c): what device
 * probe/remove, devlink, debugfs, the queues and the KUnit suite see. The
 * public API is <vmqnet/shmem.h>.
 *
 * A struct vmq_shmem_pool is one device's allocator. It is refcounted and
 * outlives the device when a client (another module) still holds it: after
 * vmq_shmem_pool_destroy() every call on it fails with -ENODEV instead of
 * touching a device that is gone.
 */
#ifndef _VMQNET_SHMEM_POOL_H
#define _VMQNET_SHMEM_POOL_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/types.h>
#include <linux/xarray.h>
#include <vmqnet/shmem.h>

struct dentry;
struct device;
struct netlink_ext_ack;

/* The budget: the devlink resource shared_memory (devlink_res.c), in
 * VMQ_SHMEM_UNIT (4 KiB) units.
 */
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
 * @nr_free: slots in the free FIFO
 * @free_head: the free slot to use next, or VMQ_SHMEM_SLOT_NONE
 * @free_tail: the free slot freed last, or VMQ_SHMEM_SLOT_NONE
 */
struct vmq_shmem_handles {
	struct vmq_shmem_slot *slots;
	u32 nr;
	u32 max;
	u32 nr_free;
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

/* What the queue code says of a queue ID (vmq_shmem_pool_create()). */
enum vmq_shmem_qstate {
	VMQ_SHMEM_Q_NONE,	/* no such queue */
	VMQ_SHMEM_Q_LIVE,	/* Allocated .. Paused: may allocate */
	VMQ_SHMEM_Q_FREEING,	/* DMA stopped or Freeing: FREE_QUEUE runs */
};

/**
 * struct vmq_shmem_prov - a provider as the pool keeps it
 * @desc: name (@name), handlers, context and module
 * @name: a copy of the name it was given, or its client's: its blocks can
 *	outlive both the caller's string and the client
 * @client: the client that registered it, or NULL: the DMA provider, or
 *	a provider whose client unregistered or closed
 * @blocks: live blocks it supplied; it is freed once it has no client
 *	and no blocks
 */
struct vmq_shmem_prov {
	struct vmq_shmem_provider desc;
	char name[32];
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
 * @queue_state: what the queue code says of a queue ID
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

/* Which blocks vmq_shmem_sweep() frees, and which of them are leaks. */
enum vmq_shmem_sweep {
	VMQ_SHMEM_SWEEP_OWN,		/* the owner frees a queue's: no leak */
	VMQ_SHMEM_SWEEP_CLIENT,		/* its owner closed: all leaks */
	VMQ_SHMEM_SWEEP_QUEUE,		/* FREE_QUEUE: others' blocks leak */
	VMQ_SHMEM_SWEEP_HALT,		/* halt: others' blocks leak */
};

#define VMQ_SHMEM_QUEUE_ANY	U32_MAX

/* The blocks a sweep selects: those of @client (any if NULL) on queue
 * @queue_id (any if VMQ_SHMEM_QUEUE_ANY).
 */
struct vmq_shmem_sel {
	const struct vmq_shmem_client *client;
	u32 queue_id;
};

/* shmem_block.c, for shmem.c */
struct vmq_shmem_prov *vmq_shmem_prov_new(const struct vmq_shmem_provider *provider,
					  const struct vmq_shmem_client *client);
/* under the pool lock */
void vmq_shmem_prov_put(struct vmq_shmem_pool *pool,
			struct vmq_shmem_prov *prov);
unsigned int vmq_shmem_sweep(struct vmq_shmem_pool *pool,
			     enum vmq_shmem_sweep sweep,
			     const struct vmq_shmem_sel *sel);

/* shmem.c: pure helpers, also for KUnit */
u32 vmq_shmem_units(size_t length);
int vmq_shmem_params_check(const struct vmq_shmem_params *params);
bool vmq_shmem_budget_fits(u64 budget, u64 used, u64 units);
bool vmq_shmem_fault_hit(struct vmq_shmem_fault *fault,
			 const struct vmq_shmem_params *params);

/* shmem.c: the pool, for device probe/remove, devlink and the queues */
struct vmq_shmem_pool *
vmq_shmem_pool_create(struct device *dma_dev, u32 dev_id, u64 budget,
		      enum vmq_shmem_qstate (*queue_state)(void *priv,
							   u32 queue_id),
		      void *priv);
void vmq_shmem_pool_destroy(struct vmq_shmem_pool *pool);
struct vmq_shmem_client *vmq_shmem_pool_open(struct vmq_shmem_pool *pool,
					     const char *name);
struct vmq_shmem_client *vmq_shmem_pool_open_own(struct vmq_shmem_pool *pool,
						 const char *name);
unsigned int vmq_shmem_queue_release(struct vmq_shmem_pool *pool,
				     u32 queue_id, bool halt);
int vmq_shmem_alloc_from(struct vmq_shmem_client *client,
			 struct vmq_shmem_params *params,
			 const struct vmq_shmem_provider *provider,
			 u32 *alloc_handle);
u64 vmq_shmem_pool_occupancy(struct vmq_shmem_pool *pool);
bool vmq_shmem_block_lendable(struct vmq_shmem_client *client,
			      u32 alloc_handle);
bool vmq_shmem_pool_lends(struct vmq_shmem_pool *pool);
u64 vmq_shmem_pool_budget(struct vmq_shmem_pool *pool);
int vmq_shmem_reload_check(struct vmq_shmem_pool *pool, u64 size,
			   u64 own_need, struct netlink_ext_ack *extack);
void vmq_shmem_reload_down(struct vmq_shmem_pool *pool);
void vmq_shmem_reload_up(struct vmq_shmem_pool *pool);

/* shmem_dma.c: the default provider */
extern const struct vmq_shmem_provider_ops vmq_shmem_dma_ops;
u32 vmq_shmem_new_handle(void);
int __vmq_shmem_dma_alloc(struct device *dev, struct vmq_shmem_params *params,
			  void **mem_ctx, unsigned int max_order);

/* shmem_debugfs.c */
void vmq_shmem_debugfs_init(struct vmq_shmem_pool *pool,
			    struct dentry *parent);
void vmq_shmem_debugfs_exit(struct vmq_shmem_pool *pool);

#endif /* _VMQNET_SHMEM_POOL_H */
