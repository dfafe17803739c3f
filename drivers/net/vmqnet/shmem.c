// SPDX-License-Identifier: GPL-2.0
/*
 * vmqnet shared memory: NdisAllocateSharedMemory() / NdisFreeSharedMemory()
 * for Linux. See <vmqnet/shmem.h> for the API and shmem_pool.h for the objects.
 *
 * Handles. An allocation handle names a slot of the pool's handle table
 * and its generation (shmem_handle.c), never a pointer: a stale or made-up
 * handle is looked up and reported, not dereferenced.
 *
 * Budget. Every block is charged its length rounded up to whole pages, in
 * 4 KiB units, against the devlink resource shared_memory. The check and
 * the charge happen under the pool lock around the provider call, so a
 * failed allocation never leaves a charge (or anything else) behind.
 *
 * Locking. One mutex per pool serialises allocation, free, accounting and
 * the provider handlers: every caller is in process context, allocations
 * happen at queue setup rather than per packet, and a single lock makes
 * halt (free everything) trivially safe against allocations in flight.
 * Lock order: devlink instance lock -> pool lock -> the pools registry
 * (xa_lock). The pool lock is never held while calling into devlink.
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

#include "compat.h"
#include "shmem_pool.h"

/* Pools by device ID, for vmq_shmem_open(). */
static DEFINE_XARRAY(vmq_shmem_pools);

static const char * const vmq_shmem_usage_names[VMQ_SHMEM_USAGE_MAX] = {
	[VMQ_SHMEM_USAGE_UNDEFINED]		= "undefined",
	[VMQ_SHMEM_USAGE_XMIT]			= "xmit",
	[VMQ_SHMEM_USAGE_XMIT_HEADER]		= "xmit_header",
	[VMQ_SHMEM_USAGE_XMIT_DATA]		= "xmit_data",
	[VMQ_SHMEM_USAGE_RECEIVE]		= "receive",
	[VMQ_SHMEM_USAGE_RECEIVE_LOOKAHEAD]	= "receive_lookahead",
	[VMQ_SHMEM_USAGE_RECEIVE_POST_LOOKAHEAD] = "receive_post_lookahead",
	[VMQ_SHMEM_USAGE_RECEIVE_HEADER]	= "receive_header",
	[VMQ_SHMEM_USAGE_RECEIVE_DATA]		= "receive_data",
	[VMQ_SHMEM_USAGE_OTHER]			= "other",
};

/**
 * vmq_shmem_usage_name() - name of a shared memory usage
 * @usage: the usage
 *
 * Context: any.
 * Return: its name as debugfs shows it ("receive", "xmit_header", ...), or
 * NULL if @usage is not a valid usage.
 */
const char *vmq_shmem_usage_name(enum vmq_shmem_usage usage)
{
	if ((unsigned int)usage >= VMQ_SHMEM_USAGE_MAX)
		return NULL;
	return vmq_shmem_usage_names[usage];
}
EXPORT_SYMBOL_GPL(vmq_shmem_usage_name);

/* ---- Pure helpers: no pool, no device (KUnit tests them directly) ---- */

/**
 * vmq_shmem_units() - budget units a block of @length bytes is charged
 * @length: 1 .. VMQ_SHMEM_MAX_LENGTH
 *
 * Memory is allocated in whole pages, so that is what is charged.
 *
 * Return: PAGE_ALIGN(@length) in VMQ_SHMEM_UNIT units.
 */
u32 vmq_shmem_units(size_t length)
{
	return PAGE_ALIGN(length) / VMQ_SHMEM_UNIT;
}
EXPORT_SYMBOL_IF_KUNIT(vmq_shmem_units);

/**
 * vmq_shmem_params_check() - validate what a pool can check on its own
 * @params: the request
 *
 * Everything but the queue ID, which only the pool's queue check knows.
 *
 * Return: 0, or -EINVAL for unknown flag bits, an unknown usage, a zero or
 * absurd length, or a node that is neither NUMA_NO_NODE nor online.
 */
int vmq_shmem_params_check(const struct vmq_shmem_params *params)
{
	int node = params->node;

	if (params->flags & ~VMQ_SHMEM_F_ALL)
		return -EINVAL;
	if ((unsigned int)params->usage >= VMQ_SHMEM_USAGE_MAX)
		return -EINVAL;
	if (!params->length || params->length > VMQ_SHMEM_MAX_LENGTH)
		return -EINVAL;
	/* alloc_pages_node() must not be handed an offline node. */
	if (node != NUMA_NO_NODE &&
	    (node < 0 || node >= nr_node_ids || !node_online(node)))
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vmq_shmem_params_check);

/**
 * vmq_shmem_budget_fits() - may @units more be charged?
 * @budget: units allowed
 * @used: units charged now, at most @budget
 * @units: units requested
 *
 * Written so that it cannot overflow, whatever @units is.
 *
 * Return: true if @used + @units <= @budget.
 */
bool vmq_shmem_budget_fits(u64 budget, u64 used, u64 units)
{
	return used <= budget && units <= budget - used;
}
EXPORT_SYMBOL_IF_KUNIT(vmq_shmem_budget_fits);

/**
 * vmq_shmem_fault_hit() - should this allocation fail on purpose?
 * @fault: the pool's fault injection state; consumed on a hit
 * @params: the (valid) request
 *
 * Return: true if the request matches the queue and usage filters while
 * failures remain to be injected.
 */
bool vmq_shmem_fault_hit(struct vmq_shmem_fault *fault,
			 const struct vmq_shmem_params *params)
{
	u32 queue = READ_ONCE(fault->queue);
	u32 usage = READ_ONCE(fault->usage);
	u32 count = READ_ONCE(fault->count);

	if (!count)
		return false;
	if (queue != VMQ_SHMEM_FAULT_ANY && queue != params->queue_id)
		return false;
	if (usage != VMQ_SHMEM_FAULT_ANY && usage != params->usage)
		return false;
	WRITE_ONCE(fault->count, count - 1);
	fault->injected++;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(vmq_shmem_fault_hit);

/* ---- Pools ------------------------------------------------------------- */

static void vmq_shmem_pool_release(struct kref *ref)
{
	struct vmq_shmem_pool *pool = container_of(ref, struct vmq_shmem_pool,
						   ref);
	struct vmq_shmem_queue *queue;
	unsigned long id;

	xa_for_each(&pool->queues, id, queue)
		kfree(queue);
	xa_destroy(&pool->queues);
	/* Empty: vmq_shmem_pool_destroy() freed every block. */
	vmq_shmem_handles_destroy(&pool->handles);
	while (pool->nr_spares)
		kfree(pool->spares[--pool->nr_spares]);
	mutex_destroy(&pool->lock);
	put_device(pool->dma_dev);
	kfree(pool);
}

static void vmq_shmem_pool_put(struct vmq_shmem_pool *pool)
{
	kref_put(&pool->ref, vmq_shmem_pool_release);
}

/**
 * vmq_shmem_pool_create() - create the shared memory pool of a device
 * @dma_dev: the device blocks are allocated for; its DMA mask must be set
 * @dev_id: its vmqnet ID, under which vmq_shmem_open() finds it, or
 *	VMQ_SHMEM_NO_ID for a pool only its creator uses (tests)
 * @budget: initial budget in VMQ_SHMEM_UNIT units
 * @queue_state: says what queue @queue_id is: none, live (it may allocate)
 *	or being freed; the queue code's answer is the one rule for which
 *	queues exist. Called under the pool lock, so it must not sleep on
 *	anything that waits for shared memory.
 * @priv: its first argument
 *
 * Context: process context.
 * Return: the pool, or ERR_PTR(-ENOMEM), or ERR_PTR(-EBUSY) if a pool with
 * @dev_id exists already.
 */
struct vmq_shmem_pool *
vmq_shmem_pool_create(struct device *dma_dev, u32 dev_id, u64 budget,
		      enum vmq_shmem_qstate (*queue_state)(void *priv,
							   u32 queue_id),
		      void *priv)
{
	struct vmq_shmem_pool *pool;
	int err;

	pool = kzalloc(sizeof(*pool), GFP_KERNEL);
	if (!pool)
		return ERR_PTR(-ENOMEM);

	kref_init(&pool->ref);
	mutex_init(&pool->lock);
	pool->dma_dev = get_device(dma_dev);
	pool->dev_id = dev_id;
	strscpy(pool->name, dev_name(dma_dev), sizeof(pool->name));
	pool->state = VMQ_SHMEM_RUNNING;
	vmq_shmem_handles_init(&pool->handles, VMQ_SHMEM_SLOTS_MAX);
	xa_init(&pool->queues);
	INIT_LIST_HEAD(&pool->clients);
	pool->dma_prov.desc.name = "dma";
	pool->dma_prov.desc.ops = &vmq_shmem_dma_ops;
	pool->dma_prov.desc.ctx = pool;
	pool->prov = &pool->dma_prov;
	pool->budget = budget;
	pool->budget_next = budget;
	pool->queue_state = queue_state;
	pool->queue_state_priv = priv;
	pool->fault.queue = VMQ_SHMEM_FAULT_ANY;
	pool->fault.usage = VMQ_SHMEM_FAULT_ANY;
	pool->scatter_max_order = MAX_PAGE_ORDER;

	if (dev_id != VMQ_SHMEM_NO_ID) {
		err = xa_insert(&vmq_shmem_pools, dev_id, pool, GFP_KERNEL);
		if (err) {
			vmq_shmem_pool_put(pool);
			return ERR_PTR(err);
		}
	}
	return pool;
}
EXPORT_SYMBOL_IF_KUNIT(vmq_shmem_pool_create);

static void vmq_shmem_pool_halt(struct vmq_shmem_pool *pool,
				enum vmq_shmem_state state)
{
	const struct vmq_shmem_sel all = { .queue_id = VMQ_SHMEM_QUEUE_ANY };

	lockdep_assert_held(&pool->lock);

	pool->state = state;
	vmq_shmem_sweep(pool, VMQ_SHMEM_SWEEP_HALT, &all);
}

/**
 * vmq_shmem_pool_destroy() - halt a device's pool and drop the device's hold
 * @pool: the pool, or NULL
 *
 * MiniportHaltEx for shared memory: every block still allocated is freed;
 * those of non-default queues are counted and reported as leaked by their
 * owner. Open clients keep the pool object alive, but every later call on
 * it fails with -ENODEV (or, for frees, does nothing) and never touches
 * the device again.
 *
 * Context: process context; sleeps.
 */
void vmq_shmem_pool_destroy(struct vmq_shmem_pool *pool)
{
	if (!pool)
		return;

	/* No new client can find it from here on. */
	if (pool->dev_id != VMQ_SHMEM_NO_ID)
		xa_erase(&vmq_shmem_pools, pool->dev_id);
	vmq_shmem_debugfs_exit(pool);

	mutex_lock(&pool->lock);
	vmq_shmem_pool_halt(pool, VMQ_SHMEM_DEAD);
	pool->prov = &pool->dma_prov;
	mutex_unlock(&pool->lock);

	vmq_shmem_pool_put(pool);
}
EXPORT_SYMBOL_IF_KUNIT(vmq_shmem_pool_destroy);

/**
 * vmq_shmem_pool_occupancy() - budget units in use
 * @pool: the pool
 *
 * Context: any; lockless.
 * Return: the units charged for the live blocks.
 */
u64 vmq_shmem_pool_occupancy(struct vmq_shmem_pool *pool)
{
	return READ_ONCE(pool->used);
}
EXPORT_SYMBOL_IF_KUNIT(vmq_shmem_pool_occupancy);

/**
 * vmq_shmem_pool_budget() - the budget allocations are held to now
 * @pool: the pool
 *
 * Context: any; it changes only at reload, under the devlink instance lock.
 * Return: the budget in units.
 */
u64 vmq_shmem_pool_budget(struct vmq_shmem_pool *pool)
{
	return READ_ONCE(pool->budget);
}

/* ---- Clients ----------------------------------------------------------- */

static struct vmq_shmem_client *
__vmq_shmem_pool_open(struct vmq_shmem_pool *pool, const char *name,
		      bool internal)
{
	struct vmq_shmem_client *client;

	client = kzalloc(sizeof(*client), GFP_KERNEL);
	if (!client)
		return ERR_PTR(-ENOMEM);
	strscpy(client->name, name ?: "?", sizeof(client->name));
	client->pool = pool;
	client->internal = internal;

	mutex_lock(&pool->lock);
	if (pool->state == VMQ_SHMEM_DEAD) {
		mutex_unlock(&pool->lock);
		kfree(client);
		return ERR_PTR(-ENODEV);
	}
	kref_get(&pool->ref);
	list_add_tail(&client->node, &pool->clients);
	mutex_unlock(&pool->lock);
	return client;
}

/**
 * vmq_shmem_pool_open() - open a client on a pool
 * @pool: the pool
 * @name: the user, for debugfs and leak reports (copied, truncated)
 *
 * The client is an outside one, as vmq_shmem_open() gives.
 *
 * Context: process context.
 * Return: the client, ERR_PTR(-ENOMEM), or ERR_PTR(-ENODEV) if the device
 * is gone.
 */
struct vmq_shmem_client *
vmq_shmem_pool_open(struct vmq_shmem_pool *pool, const char *name)
{
	return __vmq_shmem_pool_open(pool, name, false);
}
EXPORT_SYMBOL_IF_KUNIT(vmq_shmem_pool_open);

/**
 * vmq_shmem_pool_open_own() - open one of vmqnet's own clients on a pool
 * @pool: the pool
 * @name: for debugfs and leak reports
 *
 * For a port's queues: their blocks are rings and receive buffers, which
 * the queue code frees itself, and which a reload does not count as
 * memory "in use" (the ports give it back before the pool halts).
 *
 * Context: process context.
 * Return: as vmq_shmem_pool_open().
 */
struct vmq_shmem_client *
vmq_shmem_pool_open_own(struct vmq_shmem_pool *pool, const char *name)
{
	return __vmq_shmem_pool_open(pool, name, true);
}
EXPORT_SYMBOL_IF_KUNIT(vmq_shmem_pool_open_own);

/**
 * vmq_shmem_open() - open a vmqnet device's shared memory
 * @dev_id: the device ID (vmqnet<ID>)
 * @name: the caller, typically KBUILD_MODNAME; shown in debugfs and in leak
 *	reports
 *
 * The handle stays valid until vmq_shmem_close(), even if the device is
 * removed first: from then on allocations fail with -ENODEV.
 *
 * Context: process context; sleeps.
 * Return: the client handle, ERR_PTR(-ENODEV) if there is no such device,
 * or ERR_PTR(-ENOMEM).
 */
struct vmq_shmem_client *vmq_shmem_open(u32 dev_id, const char *name)
{
	struct vmq_shmem_client *client;
	struct vmq_shmem_pool *pool;

	might_sleep();

	/* The device holds a reference while its pool is in the registry. */
	xa_lock(&vmq_shmem_pools);
	pool = xa_load(&vmq_shmem_pools, dev_id);
	if (pool)
		kref_get(&pool->ref);
	xa_unlock(&vmq_shmem_pools);
	if (!pool)
		return ERR_PTR(-ENODEV);

	client = vmq_shmem_pool_open(pool, name);
	vmq_shmem_pool_put(pool);
	return client;
}
EXPORT_SYMBOL_GPL(vmq_shmem_open);

/* No new block comes from @client's provider; the blocks it supplied keep
 * it until they are freed.
 */
static void vmq_shmem_provider_retire(struct vmq_shmem_pool *pool,
				      struct vmq_shmem_client *client)
{
	struct vmq_shmem_prov *prov = client->prov;

	lockdep_assert_held(&pool->lock);

	if (!prov)
		return;
	if (pool->prov == prov)
		pool->prov = &pool->dma_prov;
	prov->client = NULL;
	client->prov = NULL;
	vmq_shmem_prov_put(pool, prov);
}

/**
 * vmq_shmem_close() - close a client handle
 * @client: what vmq_shmem_open() returned; NULL and error pointers are
 *	ignored
 *
 * Blocks the client still holds are freed and reported as leaked. A
 * provider the client registered serves no more allocations; blocks it
 * supplied to others stay, with it, until they are freed (<vmqnet/shmem.h>).
 *
 * Context: process context; sleeps.
 */
void vmq_shmem_close(struct vmq_shmem_client *client)
{
	struct vmq_shmem_pool *pool;
	struct vmq_shmem_sel own;

	if (IS_ERR_OR_NULL(client))
		return;
	might_sleep();
	pool = client->pool;
	own.client = client;
	own.queue_id = VMQ_SHMEM_QUEUE_ANY;

	mutex_lock(&pool->lock);
	vmq_shmem_sweep(pool, VMQ_SHMEM_SWEEP_CLIENT, &own);
	vmq_shmem_provider_retire(pool, client);
	list_del(&client->node);
	mutex_unlock(&pool->lock);

	kfree(client);
	vmq_shmem_pool_put(pool);
}
EXPORT_SYMBOL_GPL(vmq_shmem_close);

/**
 * vmq_shmem_dma_device() - the device a client's memory is allocated for
 * @client: an open client
 *
 * For a provider's own DMA allocations and for comparisons with the raw DMA
 * API. The pointer stays valid while @client is open, but DMA on it is only
 * meaningful while the device exists, i.e. until allocations start failing
 * with -ENODEV.
 *
 * Return: the struct device.
 */
struct device *vmq_shmem_dma_device(struct vmq_shmem_client *client)
{
	return client->pool->dma_dev;
}
EXPORT_SYMBOL_GPL(vmq_shmem_dma_device);

/* ---- Providers --------------------------------------------------------- */

/**
 * vmq_shmem_provider_register() - serve a device's shared memory
 * @client: an open client; the provider belongs to it
 * @provider: name (NULL: the client's), handlers and context; copied, the
 *	name too
 *
 * From now on every allocation on the device, by any client, goes to
 * @provider, the way a virtual switch registers its
 * NDIS_SHARED_MEMORY_PROVIDER_CHARACTERISTICS. Blocks allocated before stay
 * with the provider that allocated them. One provider at a time. Each block
 * it supplies to another client pins @provider->owner until it is freed.
 *
 * Context: process context; sleeps.
 * Return: 0; -EINVAL if a handler is missing; -EBUSY if a provider is
 * registered; -ENODEV if the device is gone; -ENOMEM.
 */
int vmq_shmem_provider_register(struct vmq_shmem_client *client,
				const struct vmq_shmem_provider *provider)
{
	struct vmq_shmem_pool *pool = client->pool;
	struct vmq_shmem_prov *prov;
	int err = 0;

	might_sleep();
	if (!provider->ops || !provider->ops->alloc || !provider->ops->free)
		return -EINVAL;
	prov = vmq_shmem_prov_new(provider, client);
	if (!prov)
		return -ENOMEM;

	mutex_lock(&pool->lock);
	if (pool->state == VMQ_SHMEM_DEAD) {
		err = -ENODEV;
	} else if (pool->prov != &pool->dma_prov || client->prov) {
		err = -EBUSY;
	} else {
		prov->client = client;
		client->prov = prov;
		pool->prov = prov;
		prov = NULL;
	}
	mutex_unlock(&pool->lock);
	kfree(prov);
	return err;
}
EXPORT_SYMBOL_GPL(vmq_shmem_provider_register);

/**
 * vmq_shmem_provider_unregister() - stop serving a device's shared memory
 * @client: the client that registered the provider
 *
 * Allocations go back to the default (DMA) provider. A provider has to
 * outlive the memory it supplied, and a live block may be a running
 * queue's ring: while any block it supplied is live, it stays registered
 * and this fails. Free (or have vmqnet reallocate, e.g. ethtool -G) that
 * memory first; the allocation handles and debugfs name the blocks.
 *
 * Context: process context; sleeps.
 * Return: 0; -EBUSY while it backs live blocks; -ENOENT if @client has no
 * provider registered.
 */
int vmq_shmem_provider_unregister(struct vmq_shmem_client *client)
{
	struct vmq_shmem_pool *pool = client->pool;
	int err = 0;

	might_sleep();

	mutex_lock(&pool->lock);
	if (!client->prov)
		err = -ENOENT;
	else if (client->prov->blocks)
		err = -EBUSY;
	else
		vmq_shmem_provider_retire(pool, client);
	mutex_unlock(&pool->lock);
	return err;
}
EXPORT_SYMBOL_GPL(vmq_shmem_provider_unregister);

/* ---- Reload ----------------------------------------------------------- */

/**
 * vmq_shmem_reload_check() - may a devlink reload (driver reinit) go on?
 * @pool: the device's pool
 * @size: the new size of the devlink resource shared_memory
 * @own_need: units vmqnet's own queues take right after the reload (the
 *	ports' default queues)
 * @extack: for the reason of a refusal
 *
 * Takes the new size and refuses it if it cannot hold what
 * other clients hold plus @own_need: vmqnet's own queues give theirs back
 * and come again, and a port whose default queue does not fit cannot come
 * back at all. Call it before anything is torn down, so that a refused
 * reload leaves the device exactly as it was. Once it has accepted,
 * allocations fail with -ENODEV (frees still work) until
 * vmq_shmem_reload_up() applies the new size, so that nothing can outgrow
 * it in between.
 *
 * Return: 0, -EBUSY if other clients hold more than the new size, or
 * -ENOSPC if the default queues would not fit beside them; @extack set.
 */
int vmq_shmem_reload_check(struct vmq_shmem_pool *pool, u64 size,
			   u64 own_need, struct netlink_ext_ack *extack)
{
	struct vmq_shmem_client *client;
	u64 used;

	mutex_lock(&pool->lock);
	used = pool->used;
	list_for_each_entry(client, &pool->clients, node)
		if (client->internal)
			used -= client->stats.units;
	if (size < used) {
		mutex_unlock(&pool->lock);
		dev_warn(pool->dma_dev,
			 "shmem: shared_memory size %llu is below the %llu units other clients hold; reload refused\n",
			 size, used);
		NL_SET_ERR_MSG_MOD(extack,
				   "shared_memory: new size is smaller than the shared memory in use; free it, then reload");
		return -EBUSY;
	}
	if (!vmq_shmem_budget_fits(size, used, own_need)) {
		mutex_unlock(&pool->lock);
		dev_warn(pool->dma_dev,
			 "shmem: shared_memory size %llu cannot hold the %llu units the default queues need beside %llu in use; reload refused\n",
			 size, own_need, used);
		NL_SET_ERR_MSG_MOD(extack,
				   "shared_memory: new size is below what the ports' default queues need; reload refused");
		return -ENOSPC;
	}
	pool->budget_next = size;
	pool->state = VMQ_SHMEM_RELOADING;
	mutex_unlock(&pool->lock);
	return 0;
}

/**
 * vmq_shmem_reload_down() - halt the pool for a reload
 * @pool: its pool, accepted by vmq_shmem_reload_check(), its ports gone
 *
 * Everything left is freed as at device removal (and reported as leaked
 * by its owners), and allocations fail with -ENODEV until
 * vmq_shmem_reload_up().
 */
void vmq_shmem_reload_down(struct vmq_shmem_pool *pool)
{
	mutex_lock(&pool->lock);
	vmq_shmem_pool_halt(pool, VMQ_SHMEM_HALTED);
	mutex_unlock(&pool->lock);
}

/**
 * vmq_shmem_reload_up() - second half of a devlink reload
 * @pool: the pool vmq_shmem_reload_down() halted
 *
 * Applies the new budget and serves allocations again.
 */
void vmq_shmem_reload_up(struct vmq_shmem_pool *pool)
{
	mutex_lock(&pool->lock);
	pool->budget = pool->budget_next;
	if (pool->state == VMQ_SHMEM_HALTED ||
	    pool->state == VMQ_SHMEM_RELOADING)
		pool->state = VMQ_SHMEM_RUNNING;
	mutex_unlock(&pool->lock);
}
