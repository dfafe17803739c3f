/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmqnet shared memory: the Linux counterpart of NdisAllocateSharedMemory()
 * and NdisFreeSharedMemory().
 *
 * This is the only header a module outside vmqnet.ko needs. A consumer
 * opens a device by its ID, allocates blocks of shared memory for a VM queue
 * and frees them by allocation handle:
 *
 *	struct vmq_shmem_params p = {
 *		.flags = VMQ_SHMEM_F_CONTIGUOUS,
 *		.queue_id = 0,
 *		.usage = VMQ_SHMEM_USAGE_RECEIVE,
 *		.node = NUMA_NO_NODE,
 *		.length = SZ_64K,
 *	};
 *	struct vmq_shmem_client *c = vmq_shmem_open(0, "mydrv");
 *	u32 handle;
 *
 *	if (!IS_ERR(c) && !vmq_shmem_alloc(c, &p, &handle)) {
 *		... p.vaddr, p.sgt, p.shmem_handle ...
 *		vmq_shmem_free(c, handle);
 *	}
 *	vmq_shmem_close(c);
 *
 * Memory comes from the device's shared memory provider: by default the
 * DMA provider (vmq_shmem_dma_alloc()), or one that a module registered with
 * vmq_shmem_provider_register(), the way a virtual switch registers
 * NDIS_SHARED_MEMORY_PROVIDER_CHARACTERISTICS.
 *
 * Who may free what. A block belongs to the client that allocated it and
 * to its queue. vmq_shmem_free() frees one block of the caller's own, and
 * refuses (-EPERM) a handle of another client: vmqnet's own rings and
 * receive buffers are blocks of its own clients, so no other module can
 * free them. vmq_shmem_free_queue() frees the caller's own blocks of a
 * queue, and only of a VM queue that FREE_QUEUE has taken out of service
 * (DMA stopped or Freeing); a live queue (-EBUSY) and the default queue of
 * any port (-EINVAL) are refused and keep every block. FREE_QUEUE itself
 * then frees whatever is left of the queue, and the halt (device removal,
 * devlink reload) frees the default queues: blocks another client still
 * held there are reported as that client's leak.
 *
 * When a provider may go. Every block a provider supplied to another
 * client pins the provider's module (@owner of struct vmq_shmem_provider),
 * so the module cannot be unloaded while, say, a running queue's ring is
 * its memory: rmmod fails with EBUSY until the queue is reallocated or
 * freed. vmq_shmem_provider_unregister() is refused with -EBUSY for the
 * same reason, and leaves the provider registered. Refusing, rather than
 * freeing or moving the memory, is the only choice that keeps NDIS's
 * rule: a queue's memory is freed by FREE_QUEUE or the halt, after DMA has
 * stopped, never under a running queue. Closing the client retires its
 * provider (no new block comes from it); the blocks it supplied keep it,
 * and the pin on its module, until they are freed.
 *
 * Every function here may sleep: process context only.
 */
#ifndef _VMQNET_SHMEM_H
#define _VMQNET_SHMEM_H

#include <linux/bits.h>
#include <linux/numa.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/types.h>

struct device;
struct module;

/**
 * VMQ_SHMEM_F_CONTIGUOUS - the block must be physically contiguous
 *
 * NDIS_SHARED_MEM_PARAMETERS_CONTIGOUS. Without it the block may be made of
 * scattered pages, described by a multi-entry scatter/gather table.
 */
#define VMQ_SHMEM_F_CONTIGUOUS	BIT(0)
/* Every flag vmq_shmem_alloc() knows; any other bit is -EINVAL. */
#define VMQ_SHMEM_F_ALL		VMQ_SHMEM_F_CONTIGUOUS

/*
 * Queue IDs: port P's ring R is queue P * VMQ_SHMEM_QUEUES_PER_PORT + R, and
 * ring 0 of every port is that port's default queue: it always exists, its
 * memory is freed only by the halt, and vmq_shmem_free_queue() refuses it.
 */
#define VMQ_SHMEM_QUEUES_PER_PORT	16
#define VMQ_SHMEM_QUEUE_ID(port, ring) \
	((port) * VMQ_SHMEM_QUEUES_PER_PORT + (ring))
/* The default queue of port 0. */
#define VMQ_SHMEM_DEFAULT_QUEUE		VMQ_SHMEM_QUEUE_ID(0, 0)

/**
 * vmq_shmem_queue_is_default() - is a queue ID the default queue of a port?
 * @queue_id: a queue ID
 *
 * Return: true for the default queue of any port.
 */
static inline bool vmq_shmem_queue_is_default(u32 queue_id)
{
	return !(queue_id % VMQ_SHMEM_QUEUES_PER_PORT);
}

/*
 * Largest block: a request above it is a caller bug (-EINVAL), not a
 * resource shortage (-ENOSPC / -ENOMEM).
 */
#define VMQ_SHMEM_MAX_LENGTH	SZ_256M

/* The devlink budget counts 4 KiB units, whatever PAGE_SIZE is. */
#define VMQ_SHMEM_UNIT		SZ_4K

/**
 * enum vmq_shmem_usage - what a block is for (NDIS_SHARED_MEMORY_USAGE)
 * @VMQ_SHMEM_USAGE_UNDEFINED: NdisSharedMemoryUsageUndefined
 * @VMQ_SHMEM_USAGE_XMIT: NdisSharedMemoryUsageXmit
 * @VMQ_SHMEM_USAGE_XMIT_HEADER: NdisSharedMemoryUsageXmitHeader
 * @VMQ_SHMEM_USAGE_XMIT_DATA: NdisSharedMemoryUsageXmitData
 * @VMQ_SHMEM_USAGE_RECEIVE: NdisSharedMemoryUsageReceive
 * @VMQ_SHMEM_USAGE_RECEIVE_LOOKAHEAD: NdisSharedMemoryUsageReceiveLookahead
 * @VMQ_SHMEM_USAGE_RECEIVE_POST_LOOKAHEAD:
 *	NdisSharedMemoryUsageReceivePostLookahead
 * @VMQ_SHMEM_USAGE_RECEIVE_HEADER: NdisSharedMemoryUsageReceiveHeader
 * @VMQ_SHMEM_USAGE_RECEIVE_DATA: NdisSharedMemoryUsageReceiveData
 * @VMQ_SHMEM_USAGE_OTHER: NdisSharedMemoryUsageOther
 * @VMQ_SHMEM_USAGE_MAX: NdisSharedMemoryUsageMax; not a valid usage
 *
 * The values and their order are NDIS's.
 */
enum vmq_shmem_usage {
	VMQ_SHMEM_USAGE_UNDEFINED,
	VMQ_SHMEM_USAGE_XMIT,
	VMQ_SHMEM_USAGE_XMIT_HEADER,
	VMQ_SHMEM_USAGE_XMIT_DATA,
	VMQ_SHMEM_USAGE_RECEIVE,
	VMQ_SHMEM_USAGE_RECEIVE_LOOKAHEAD,
	VMQ_SHMEM_USAGE_RECEIVE_POST_LOOKAHEAD,
	VMQ_SHMEM_USAGE_RECEIVE_HEADER,
	VMQ_SHMEM_USAGE_RECEIVE_DATA,
	VMQ_SHMEM_USAGE_OTHER,
	VMQ_SHMEM_USAGE_MAX,
};

/**
 * struct vmq_shmem_params - one shared memory request and its result
 * @flags: in: VMQ_SHMEM_F_* flags
 * @queue_id: in: the VM queue the memory is for, VMQ_SHMEM_QUEUE_ID();
 *	it must exist and not be being freed
 * @usage: in: what the memory is for
 * @node: in: preferred NUMA node, or NUMA_NO_NODE for any. Scattered
 *	blocks take their pages from it when it has free memory; contiguous
 *	blocks come from dma_alloc_coherent(), which always allocates on the
 *	device's node, so for them this is only validated.
 * @length: in: bytes, 1 .. VMQ_SHMEM_MAX_LENGTH
 * @vaddr: out: kernel virtual address of the whole block, also of a
 *	scattered one; the memory is zeroed
 * @sgt: out: the block as a scatter/gather table, DMA-mapped for the
 *	device: walk it with for_each_sgtable_dma_sg(). Its entries cover
 *	exactly @length bytes. A contiguous block is coherent memory; a
 *	scattered one is a streaming DMA_BIDIRECTIONAL mapping, which on
 *	non-coherent or bouncing platforms needs dma_sync_sgtable_for_cpu()
 *	and dma_sync_sgtable_for_device() around device access.
 * @shmem_handle: out: the provider's name for the block, quoted in receive
 *	indications as (@shmem_handle, offset); never 0
 * @mem_node: out: NUMA node the memory came from, or NUMA_NO_NODE if its
 *	pages span several nodes
 *
 * Mirrors NDIS_SHARED_MEMORY_PARAMETERS. The caller fills in the inputs;
 * vmq_shmem_alloc() fills in the outputs on success and clears them on
 * failure. The outputs stay valid until the block is freed.
 */
struct vmq_shmem_params {
	u32 flags;
	u32 queue_id;
	enum vmq_shmem_usage usage;
	int node;
	size_t length;

	void *vaddr;
	struct sg_table *sgt;
	u32 shmem_handle;
	int mem_node;
};

/**
 * struct vmq_shmem_provider_ops - a shared memory provider's handlers
 * @alloc: allocate the block @params describes (inputs already validated
 *	and checked against the budget) for DMA by @dma_dev. On entry
 *	@params->sgt points to an empty sg_table, owned by vmqnet, for the
 *	provider to fill. On success, fill in every output of @params,
 *	optionally set *@mem_ctx, and return 0; on failure return a negative
 *	errno and leave nothing allocated.
 * @free: free a block that @alloc returned, including what it put into
 *	the sg_table; @params and @mem_ctx are what @alloc left there.
 *
 * NDIS_SHARED_MEMORY_PROVIDER_CHARACTERISTICS' AllocateSharedMemoryHandler
 * and FreeSharedMemoryHandler. Both are called in the caller's (process)
 * context, serialised per device, and may sleep. They run under the
 * device's pool lock, and for vmqnet's own queues under RTNL (allocation
 * complete, ethtool -G, FREE_QUEUE) or the devlink instance lock (reload,
 * device removal): they must not take RTNL or a devlink lock, nor call
 * the vmq_shmem_*() API of any vmqnet device (the pool locks share one
 * lock class, and two devices' providers calling into each other would
 * deadlock), except the vmq_shmem_dma_*() helpers, which any provider
 * may wrap.
 */
struct vmq_shmem_provider_ops {
	int (*alloc)(void *ctx, struct device *dma_dev,
		     struct vmq_shmem_params *params, void **mem_ctx);
	void (*free)(void *ctx, struct device *dma_dev,
		     const struct vmq_shmem_params *params, void *mem_ctx);
};

/**
 * struct vmq_shmem_provider - a shared memory provider
 * @name: shown in debugfs and in leak reports; copied (31 characters
 *	kept); NULL for the name of the client that registers it
 * @ops: its handlers
 * @ctx: provider context passed to @ops
 * @owner: the module of @ops and @ctx, normally THIS_MODULE; each block
 *	it supplies to another client holds a reference on it. NULL only
 *	for code that cannot be unloaded.
 *
 * @ops and @ctx must stay valid until every block the provider supplied
 * has been freed, which may be after vmq_shmem_close() of its client.
 */
struct vmq_shmem_provider {
	const char *name;
	const struct vmq_shmem_provider_ops *ops;
	void *ctx;
	struct module *owner;
};

/* One user's handle on one vmqnet device: the NdisHandle of the calls. */
struct vmq_shmem_client;

struct vmq_shmem_client *vmq_shmem_open(u32 dev_id, const char *name);
void vmq_shmem_close(struct vmq_shmem_client *client);
struct device *vmq_shmem_dma_device(struct vmq_shmem_client *client);

int vmq_shmem_alloc(struct vmq_shmem_client *client,
		    struct vmq_shmem_params *params, u32 *alloc_handle);
int vmq_shmem_free(struct vmq_shmem_client *client, u32 alloc_handle);
int vmq_shmem_free_queue(struct vmq_shmem_client *client, u32 queue_id);

int vmq_shmem_provider_register(struct vmq_shmem_client *client,
				const struct vmq_shmem_provider *provider);
int vmq_shmem_provider_unregister(struct vmq_shmem_client *client);

int vmq_shmem_dma_alloc(struct device *dma_dev,
			struct vmq_shmem_params *params, void **mem_ctx);
void vmq_shmem_dma_free(struct device *dma_dev,
			const struct vmq_shmem_params *params, void *mem_ctx);

const char *vmq_shmem_usage_name(enum vmq_shmem_usage usage);

#endif /* _VMQNET_SHMEM_H */
