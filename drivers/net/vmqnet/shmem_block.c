// SPDX-License-Identifier: GPL-2.0
/*
 * vmqnet shared memory: the blocks. Allocating one (the budget check, the
 * provider call and the charge under the pool lock), freeing one, and the
 * sweeps that free a queue's, a client's or the whole pool's blocks and
 * report what their owners left behind. shmem.c has the pools, clients and
 * providers; <vmqnet/shmem.h> the contract.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/kref.h>
#include <linux/module.h>
#include <linux/netlink.h>
#include <linux/nodemask.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/xarray.h>
#include <kunit/visibility.h>

#include "shmem_pool.h"

/* ---- Blocks and accounting -------------------------------------------- */

static void vmq_shmem_stats_add(struct vmq_shmem_stats *stats,
				const struct vmq_shmem_block *blk)
{
	stats->blocks++;
	stats->bytes += blk->params.length;
	stats->units += blk->units;
}

static void vmq_shmem_stats_sub(struct vmq_shmem_stats *stats,
				const struct vmq_shmem_block *blk)
{
	stats->blocks--;
	stats->bytes -= blk->params.length;
	stats->units -= blk->units;
}

static enum vmq_shmem_qstate vmq_shmem_queue_state(struct vmq_shmem_pool *pool,
						   u32 queue_id)
{
	return pool->queue_state(pool->queue_state_priv, queue_id);
}

/* A provider record of @provider for @client, named after the client if
 * @provider has no name; NULL without memory.
 */
struct vmq_shmem_prov *vmq_shmem_prov_new(const struct vmq_shmem_provider *provider,
					  const struct vmq_shmem_client *client)
{
	struct vmq_shmem_prov *prov;

	prov = kzalloc(sizeof(*prov), GFP_KERNEL);
	if (!prov)
		return NULL;
	prov->desc = *provider;
	strscpy(prov->name, provider->name ?: client->name, sizeof(prov->name));
	prov->desc.name = prov->name;
	return prov;
}

/* A provider record goes once nobody can allocate from it (its client
 * unregistered it or closed) and the last block it supplied is freed.
 */
void vmq_shmem_prov_put(struct vmq_shmem_pool *pool,
			struct vmq_shmem_prov *prov)
{
	lockdep_assert_held(&pool->lock);

	if (prov != &pool->dma_prov && !prov->client && !prov->blocks)
		kfree(prov);
}

static struct vmq_shmem_queue *vmq_shmem_queue_get(struct vmq_shmem_pool *pool,
						   u32 queue_id)
{
	struct vmq_shmem_queue *queue;
	int err;

	lockdep_assert_held(&pool->lock);

	queue = pool->last_queue;
	if (queue && queue->id == queue_id)
		return queue;
	queue = xa_load(&pool->queues, queue_id);
	if (queue)
		goto out;

	/* Kept until the pool goes: a queue that had memory will again. */
	queue = kzalloc(sizeof(*queue), GFP_KERNEL);
	if (!queue)
		return ERR_PTR(-ENOMEM);
	queue->id = queue_id;
	err = xa_insert(&pool->queues, queue_id, queue, GFP_KERNEL);
	if (err) {
		kfree(queue);
		return ERR_PTR(err);
	}
out:
	pool->last_queue = queue;
	return queue;
}

/* Block structures are recycled through a short stack (the lookaside
 * list of NDIS), so that allocating and freeing shared memory does not
 * also allocate and free its bookkeeping every time.
 */
static struct vmq_shmem_block *vmq_shmem_block_get(struct vmq_shmem_pool *pool)
{
	lockdep_assert_held(&pool->lock);

	if (!pool->nr_spares)
		return kmalloc(sizeof(struct vmq_shmem_block), GFP_KERNEL);
	return pool->spares[--pool->nr_spares];
}

static void vmq_shmem_block_put(struct vmq_shmem_pool *pool,
				struct vmq_shmem_block *blk)
{
	lockdep_assert_held(&pool->lock);

	if (pool->nr_spares >= ARRAY_SIZE(pool->spares))
		kfree(blk);
	else
		pool->spares[pool->nr_spares++] = blk;
}

static void vmq_shmem_block_free(struct vmq_shmem_pool *pool,
				 struct vmq_shmem_block *blk)
{
	struct vmq_shmem_prov *prov = blk->prov;

	lockdep_assert_held(&pool->lock);

	vmq_shmem_handle_release(&pool->handles, blk->handle);
	vmq_shmem_stats_sub(&pool->total, blk);
	vmq_shmem_stats_sub(&blk->queue->stats, blk);
	vmq_shmem_stats_sub(&blk->client->stats, blk);
	WRITE_ONCE(pool->used, pool->used - blk->units);

	prov->desc.ops->free(prov->desc.ctx, pool->dma_dev, &blk->params,
			     blk->mem_ctx);
	/* Only now may the provider's module go. */
	if (blk->pinned)
		module_put(prov->desc.owner);
	prov->blocks--;
	vmq_shmem_prov_put(pool, prov);
	vmq_shmem_block_put(pool, blk);
}

static const char * const vmq_shmem_sweep_why[] = {
	[VMQ_SHMEM_SWEEP_CLIENT]	= "closed its handle",
	[VMQ_SHMEM_SWEEP_QUEUE]		= "saw its queue freed",
	[VMQ_SHMEM_SWEEP_HALT]		= "saw the device halt",
};

static bool vmq_shmem_sweep_match(const struct vmq_shmem_block *blk,
				  const struct vmq_shmem_sel *sel)
{
	return (!sel->client || blk->client == sel->client) &&
	       (sel->queue_id == VMQ_SHMEM_QUEUE_ANY ||
		blk->queue->id == sel->queue_id);
}

static bool vmq_shmem_sweep_leak(const struct vmq_shmem_block *blk,
				 enum vmq_shmem_sweep sweep)
{
	switch (sweep) {
	case VMQ_SHMEM_SWEEP_OWN:
		return false;
	case VMQ_SHMEM_SWEEP_CLIENT:
		return true;
	default:
		/* vmqnet frees its own rings and buffers, and a default
		 * queue's memory is the halt's to free (NDIS); what another
		 * client left on a VM queue that ends is its leak.
		 */
		return !blk->client->internal &&
		       !vmq_shmem_queue_is_default(blk->queue->id);
	}
}

/* Free every block that @sel selects. Leaks are counted in the pool and
 * reported once per owner: the owner is the one with a bug, and a summary
 * per owner is what a maintainer needs to find it.
 */
unsigned int vmq_shmem_sweep(struct vmq_shmem_pool *pool,
			     enum vmq_shmem_sweep sweep,
			     const struct vmq_shmem_sel *sel)
{
	struct vmq_shmem_client *client;
	struct vmq_shmem_block *blk;
	unsigned int freed = 0;
	u32 slot;

	lockdep_assert_held(&pool->lock);

	for (slot = 0; (blk = vmq_shmem_handles_next(&pool->handles, &slot));
	     slot++) {
		if (!vmq_shmem_sweep_match(blk, sel))
			continue;
		if (vmq_shmem_sweep_leak(blk, sweep)) {
			vmq_shmem_stats_add(&blk->client->leak, blk);
			vmq_shmem_stats_add(&pool->leaked, blk);
		}
		vmq_shmem_block_free(pool, blk);
		freed++;
	}

	list_for_each_entry(client, &pool->clients, node) {
		if (!client->leak.blocks)
			continue;
		dev_warn(pool->dma_dev,
			 "shmem: %s %s with %llu blocks (%llu bytes) of shared memory still allocated; freed them\n",
			 client->name, vmq_shmem_sweep_why[sweep],
			 client->leak.blocks, client->leak.bytes);
		client->leak = (struct vmq_shmem_stats){};
	}
	return freed;
}

/* ---- Allocate and free ------------------------------------------------- */

static void vmq_shmem_params_clear_out(struct vmq_shmem_params *params)
{
	params->vaddr = NULL;
	params->sgt = NULL;
	params->shmem_handle = 0;
	params->mem_node = NUMA_NO_NODE;
}

/* Called with the pool lock held: charge nothing and allocate nothing
 * unless every check passed, so the error paths have nothing to undo.
 */
static int vmq_shmem_alloc_locked(struct vmq_shmem_pool *pool,
				  struct vmq_shmem_block *blk,
				  struct vmq_shmem_prov *prov)
{
	struct vmq_shmem_params *params = &blk->params;
	struct vmq_shmem_queue *queue;
	int err;

	lockdep_assert_held(&pool->lock);

	if (pool->state != VMQ_SHMEM_RUNNING)
		return -ENODEV;
	switch (vmq_shmem_queue_state(pool, params->queue_id)) {
	case VMQ_SHMEM_Q_LIVE:
		break;
	case VMQ_SHMEM_Q_FREEING:
		/* "can allocate more memory until it is freed" */
		return -EBUSY;
	default:
		return -EINVAL;
	}
	if (vmq_shmem_fault_hit(&pool->fault, params))
		return -ENOMEM;
	if (!vmq_shmem_budget_fits(pool->budget, pool->used, blk->units))
		return -ENOSPC;
	queue = vmq_shmem_queue_get(pool, params->queue_id);
	if (IS_ERR(queue))
		return PTR_ERR(queue);

	prov = prov ?: pool->prov;
	/* Memory that outlives its provider's module would be freed by
	 * code that is gone: pin the module for another client's block.
	 * Its own blocks are freed at its close, while it is still there.
	 */
	blk->pinned = prov->desc.owner && prov->client != blk->client;
	if (blk->pinned && !try_module_get(prov->desc.owner))
		return -ENODEV;
	err = prov->desc.ops->alloc(prov->desc.ctx, pool->dma_dev, params,
				    &blk->mem_ctx);
	if (err)
		goto err_unpin;
	if (!params->vaddr || !params->sgt || !params->shmem_handle) {
		dev_err_ratelimited(pool->dma_dev,
				    "shmem: provider %s returned an incomplete block\n",
				    prov->desc.name);
		err = -EIO;
		goto err_free;
	}

	/* -EBUSY: every handle is in use, the NDIS "resources" case. */
	err = vmq_shmem_handle_new(&pool->handles, blk);
	if (err < 0) {
		if (err == -EBUSY)
			err = -ENOSPC;
		goto err_free;
	}
	blk->handle = err;

	blk->prov = prov;
	prov->blocks++;
	blk->queue = queue;
	vmq_shmem_stats_add(&pool->total, blk);
	vmq_shmem_stats_add(&queue->stats, blk);
	vmq_shmem_stats_add(&blk->client->stats, blk);
	WRITE_ONCE(pool->used, pool->used + blk->units);
	return 0;

err_free:
	prov->desc.ops->free(prov->desc.ctx, pool->dma_dev, params,
			     blk->mem_ctx);
err_unpin:
	if (blk->pinned)
		module_put(prov->desc.owner);
	return err;
}

/* vmq_shmem_alloc() from @prov, or from the device's provider if NULL. */
static int __vmq_shmem_alloc(struct vmq_shmem_client *client,
			     struct vmq_shmem_params *params,
			     struct vmq_shmem_prov *prov, u32 *alloc_handle)
{
	struct vmq_shmem_pool *pool = client->pool;
	struct vmq_shmem_block *blk;
	int err;

	might_sleep();
	*alloc_handle = 0;
	vmq_shmem_params_clear_out(params);

	err = vmq_shmem_params_check(params);
	if (err)
		return err;

	mutex_lock(&pool->lock);
	blk = vmq_shmem_block_get(pool);
	if (!blk) {
		err = -ENOMEM;
		goto out_unlock;
	}
	/* Only what the provider and the bookkeeping read: a recycled
	 * block is not zeroed as a whole.
	 */
	blk->params = *params;
	memset(&blk->sgt, 0, sizeof(blk->sgt));
	blk->params.sgt = &blk->sgt;
	blk->mem_ctx = NULL;
	blk->client = client;
	blk->units = vmq_shmem_units(params->length);

	err = vmq_shmem_alloc_locked(pool, blk, prov);
	if (err) {
		vmq_shmem_block_put(pool, blk);
		goto out_unlock;
	}
	/* Before unlocking: a halt may free the block right after. */
	*params = blk->params;
	*alloc_handle = blk->handle;
out_unlock:
	mutex_unlock(&pool->lock);
	return err;
}

/**
 * vmq_shmem_alloc() - allocate a block of shared memory
 * @client: an open client
 * @params: the request; on success its outputs describe the block, on
 *	failure they are cleared
 * @alloc_handle: set to the block's allocation handle, or to 0 on failure
 *
 * NdisAllocateSharedMemory(): the block is charged to the device's budget
 * and belongs to @client and to queue @params->queue_id until it is freed
 * with vmq_shmem_free() or vmq_shmem_free_queue(). A VM queue may keep
 * allocating until it is freed.
 *
 * Context: process context; sleeps.
 * Return: 0; -EINVAL for a bad request (unknown flag bits or usage, zero or
 * absurd length, offline node, a queue that does not exist); -EBUSY for a
 * queue that FREE_QUEUE is freeing; -ENOSPC if the budget (or the handle
 * space) is exhausted; -ENOMEM if memory is short or a failure was
 * injected; -ENODEV if the device is gone or reloading, or the provider's
 * module is going away.
 * On failure nothing is left allocated or charged.
 */
int vmq_shmem_alloc(struct vmq_shmem_client *client,
		    struct vmq_shmem_params *params, u32 *alloc_handle)
{
	return __vmq_shmem_alloc(client, params, NULL, alloc_handle);
}
EXPORT_SYMBOL_GPL(vmq_shmem_alloc);

/**
 * vmq_shmem_alloc_from() - allocate a block from a provider of its own
 * @client: an open client
 * @params: the request, as for vmq_shmem_alloc()
 * @provider: supplies this block only; @provider->owner must be NULL
 *	(vmqnet's own code), and its ops and ctx must stay valid until
 *	the block is freed
 * @alloc_handle: set to the block's allocation handle, or to 0 on failure
 *
 * For memory a consumer brings to one queue rather than a provider that
 * serves the device, such as an AF_XDP socket's UMEM (xsk.c). The block
 * is charged and recorded as any other, and its provider is named in
 * debugfs.
 *
 * Context: process context; sleeps.
 * Return: as vmq_shmem_alloc().
 */
int vmq_shmem_alloc_from(struct vmq_shmem_client *client,
			 struct vmq_shmem_params *params,
			 const struct vmq_shmem_provider *provider,
			 u32 *alloc_handle)
{
	struct vmq_shmem_prov *prov;
	int err;

	*alloc_handle = 0;
	if (WARN_ON_ONCE(provider->owner))
		return -EINVAL;
	/* Kept by its block, and freed with it (vmq_shmem_prov_put()). */
	prov = vmq_shmem_prov_new(provider, client);
	if (!prov)
		return -ENOMEM;
	err = __vmq_shmem_alloc(client, params, prov, alloc_handle);
	if (err)
		kfree(prov);
	return err;
}

/**
 * vmq_shmem_free() - free a block of shared memory
 * @client: the client that allocated it
 * @alloc_handle: its allocation handle
 *
 * NdisFreeSharedMemory(). Only the block's owner may free it: a handle
 * that is unknown, already freed or owned by another client (vmqnet's
 * own rings and buffers among them) is reported (ratelimited), refused,
 * and the block stays. After the device is gone, or once a reload has
 * halted it, every block has been freed already.
 *
 * Context: process context; sleeps.
 * Return: 0; -ENOENT for an unknown or already freed handle; -EPERM for a
 * block of another client; -ENODEV if the device is gone.
 */
int vmq_shmem_free(struct vmq_shmem_client *client, u32 alloc_handle)
{
	struct vmq_shmem_pool *pool = client->pool;
	struct vmq_shmem_block *blk;
	int err = 0;

	might_sleep();

	mutex_lock(&pool->lock);
	if (pool->state == VMQ_SHMEM_DEAD) {
		err = -ENODEV;
		goto out_unlock;
	}

	blk = vmq_shmem_handle_find(&pool->handles, alloc_handle);
	if (!blk) {
		dev_warn_ratelimited(pool->dma_dev,
				     "shmem: %s freed unknown or already freed allocation handle %u\n",
				     client->name, alloc_handle);
		err = -ENOENT;
	} else if (blk->client != client) {
		dev_warn_ratelimited(pool->dma_dev,
				     "shmem: %s freed allocation handle %u of %s; refused\n",
				     client->name, alloc_handle,
				     blk->client->name);
		err = -EPERM;
	} else {
		vmq_shmem_block_free(pool, blk);
	}
out_unlock:
	mutex_unlock(&pool->lock);
	return err;
}
EXPORT_SYMBOL_GPL(vmq_shmem_free);

/**
 * vmq_shmem_block_lendable() - may a block's pages be handed to the stack?
 * @client: one of vmqnet's own clients, the block's owner
 * @alloc_handle: the block
 *
 * Only a scattered block of the device's own DMA provider qualifies: its
 * pages are order-0 pages in the linear map, each with its own reference
 * count, which its free handler drops with put_page() (shmem_dma.c).
 * Coherent memory must not be, and what a registered provider does with
 * its memory at free is not known.
 *
 * Context: process context; sleeps.
 * Return: true if a receive queue may lend the block's pages.
 */
bool vmq_shmem_block_lendable(struct vmq_shmem_client *client,
			      u32 alloc_handle)
{
	struct vmq_shmem_pool *pool = client->pool;
	struct vmq_shmem_block *blk;
	bool ret = false;

	mutex_lock(&pool->lock);
	blk = vmq_shmem_handle_find(&pool->handles, alloc_handle);
	if (blk && blk->client == client && client->internal &&
	    blk->prov == &pool->dma_prov &&
	    !(blk->params.flags & VMQ_SHMEM_F_CONTIGUOUS))
		ret = true;
	mutex_unlock(&pool->lock);
	return ret;
}

/**
 * vmq_shmem_pool_lends() - would the provider serving now give pages that
 *	a receive queue may lend?
 * @pool: the pool
 *
 * A hint for laying out a queue before its blocks exist;
 * vmq_shmem_block_lendable() is the answer for a block.
 *
 * Context: process context; sleeps.
 * Return: true if the device's own DMA provider serves allocations.
 */
bool vmq_shmem_pool_lends(struct vmq_shmem_pool *pool)
{
	bool ret;

	mutex_lock(&pool->lock);
	ret = pool->prov == &pool->dma_prov;
	mutex_unlock(&pool->lock);
	return ret;
}

/**
 * vmq_shmem_free_queue() - free the caller's blocks of a queue being freed
 * @client: an open client of the device
 * @queue_id: a VM queue that FREE_QUEUE has stopped (DMA stopped, Freeing)
 *
 * Step 4 of OID_RECEIVE_FILTER_FREE_QUEUE for memory a client allocated
 * for the queue: once the queue's DMA has stopped, the client may free all
 * of its blocks of that queue at once. Only its own: vmqnet frees the
 * queue's rings and buffers itself, and reports what another client leaves
 * there. A queue still in service keeps its memory, and a default queue's
 * is freed only by the halt.
 *
 * Context: process context; sleeps.
 * Return: the number of blocks freed; -EINVAL for a default queue or a
 * queue that does not exist; -EBUSY for a queue that is not being freed;
 * -ENODEV if the device is gone or reloading. Nothing is freed on error.
 */
int vmq_shmem_free_queue(struct vmq_shmem_client *client, u32 queue_id)
{
	struct vmq_shmem_sel own = { .client = client, .queue_id = queue_id };
	struct vmq_shmem_pool *pool = client->pool;
	int ret;

	might_sleep();

	mutex_lock(&pool->lock);
	if (pool->state != VMQ_SHMEM_RUNNING) {
		ret = -ENODEV;
	} else if (vmq_shmem_queue_is_default(queue_id)) {
		ret = -EINVAL;
	} else {
		switch (vmq_shmem_queue_state(pool, queue_id)) {
		case VMQ_SHMEM_Q_FREEING:
			ret = vmq_shmem_sweep(pool, VMQ_SHMEM_SWEEP_OWN, &own);
			break;
		case VMQ_SHMEM_Q_LIVE:
			ret = -EBUSY;
			break;
		default:
			ret = -EINVAL;
		}
	}
	mutex_unlock(&pool->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmq_shmem_free_queue);

/**
 * vmq_shmem_queue_release() - the end of a queue's shared memory
 * @pool: the pool
 * @queue_id: a queue whose DMA has stopped and whose owner freed its own
 *	rings and buffers
 * @halt: the queue ends because its port halts, not by FREE_QUEUE
 *
 * Frees what other clients still hold on the queue, and reports it as
 * their leak (unless a default queue's, which the halt frees by rule).
 * Call it before the queue stops existing for the pool: an allocation
 * for the queue cannot succeed from the moment it is being freed.
 *
 * Context: process context; sleeps.
 * Return: the number of blocks freed.
 */
unsigned int vmq_shmem_queue_release(struct vmq_shmem_pool *pool,
				     u32 queue_id, bool halt)
{
	struct vmq_shmem_sel any = { .queue_id = queue_id };
	unsigned int freed;

	mutex_lock(&pool->lock);
	freed = vmq_shmem_sweep(pool, halt ? VMQ_SHMEM_SWEEP_HALT :
					     VMQ_SHMEM_SWEEP_QUEUE, &any);
	mutex_unlock(&pool->lock);
	return freed;
}
EXPORT_SYMBOL_IF_KUNIT(vmq_shmem_queue_release);
