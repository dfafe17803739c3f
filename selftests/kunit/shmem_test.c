// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the shared memory allocator (drivers/net/vmqnet/shmem*.c).
 *
 * The pure helpers (units, parameter checks, budget arithmetic, fault
 * filters) are tested on their own. Everything else runs on a pool of a
 * test device of its own, a root device with a 64-bit DMA mask, so that
 * no vmqnet bus device is needed: bookkeeping cases (handles, accounting,
 * budget, leaks, providers) use a fake provider that allocates no DMA
 * memory, and the DMA cases use the real default provider.
 */

#include <kunit/test.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "compat.h"
#include "shmem_pool.h"

#define SHMEM_TEST_QUEUES	4
#define SHMEM_TEST_BUDGET	64	/* units */

/* ---- Fixture ----------------------------------------------------------- */

/**
 * struct shmem_fake - a provider that hands out bookkeeping, not memory
 * @allocs: successful alloc calls
 * @frees: free calls
 * @fail: make alloc fail with this errno
 * @incomplete: make alloc succeed without a virtual address
 * @next: next shared memory handle, tagged 0xf000....
 */
struct shmem_fake {
	unsigned int allocs;
	unsigned int frees;
	int fail;
	bool incomplete;
	u32 next;
};

static int shmem_fake_alloc(void *ctx, struct device *dma_dev,
			    struct vmq_shmem_params *params, void **mem_ctx)
{
	struct shmem_fake *fake = ctx;
	void *mem;
	int err;

	if (fake->fail)
		return fake->fail;
	mem = kzalloc(16, GFP_KERNEL);
	if (!mem)
		return -ENOMEM;
	err = sg_alloc_table(params->sgt, 1, GFP_KERNEL);
	if (err) {
		kfree(mem);
		return err;
	}
	sg_set_buf(params->sgt->sgl, mem, 16);
	params->vaddr = fake->incomplete ? NULL : mem;
	params->shmem_handle = 0xf0000000 | ++fake->next;
	*mem_ctx = mem;
	fake->allocs++;
	return 0;
}

static void shmem_fake_free(void *ctx, struct device *dma_dev,
			    const struct vmq_shmem_params *params,
			    void *mem_ctx)
{
	struct shmem_fake *fake = ctx;

	sg_free_table(params->sgt);
	kfree(mem_ctx);
	fake->frees++;
}

static const struct vmq_shmem_provider_ops shmem_fake_ops = {
	.alloc = shmem_fake_alloc,
	.free = shmem_fake_free,
};

struct shmem_test {
	struct device *dev;
	struct device_dma_parameters dma_parms;
	struct vmq_shmem_pool *pool;
	struct vmq_shmem_client *client;
	struct shmem_fake fake;
	u32 freeing;
};

/* The queue code's hook, as queue.c answers it: queue @t->freeing is in
 * FREE_QUEUE (DMA stopped), the others below SHMEM_TEST_QUEUES are live.
 */
static enum vmq_shmem_qstate shmem_test_qstate(void *priv, u32 queue_id)
{
	struct shmem_test *t = priv;

	if (queue_id >= SHMEM_TEST_QUEUES)
		return VMQ_SHMEM_Q_NONE;
	return queue_id == t->freeing ? VMQ_SHMEM_Q_FREEING : VMQ_SHMEM_Q_LIVE;
}

static int shmem_test_init(struct kunit *test)
{
	struct shmem_test *t;
	int err;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
	test->priv = t;

	/*
	 * No owner: KUnit runs a module's suites before the module has its
	 * sysfs directory, which root_device_register() would link to.
	 */
	t->dev = __root_device_register("vmqnet_shmem_test", NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->dev);
	/* What a vmqnet bus device has: 64-bit DMA, no segment limit. */
	t->dev->dma_mask = &t->dev->coherent_dma_mask;
	t->dev->dma_parms = &t->dma_parms;
	err = dma_set_mask_and_coherent(t->dev, DMA_BIT_MASK(64));
	KUNIT_ASSERT_EQ(test, err, 0);
	err = vmq_dma_set_max_seg_size(t->dev, UINT_MAX);
	KUNIT_ASSERT_EQ(test, err, 0);

	t->freeing = U32_MAX;
	t->pool = vmq_shmem_pool_create(t->dev, VMQ_SHMEM_NO_ID,
					SHMEM_TEST_BUDGET, shmem_test_qstate, t);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->pool);
	t->client = vmq_shmem_pool_open(t->pool, "kunit");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->client);
	return 0;
}

static void shmem_test_exit(struct kunit *test)
{
	struct shmem_test *t = test->priv;

	if (!t)
		return;
	if (!IS_ERR_OR_NULL(t->client))
		vmq_shmem_close(t->client);
	if (!IS_ERR_OR_NULL(t->pool))
		vmq_shmem_pool_destroy(t->pool);
	if (!IS_ERR_OR_NULL(t->dev))
		root_device_unregister(t->dev);
}

static void shmem_test_use_fake(struct kunit *test)
{
	struct shmem_test *t = test->priv;
	struct vmq_shmem_provider prov = {
		.name = "fake",
		.ops = &shmem_fake_ops,
		.ctx = &t->fake,
	};

	KUNIT_ASSERT_EQ(test, vmq_shmem_provider_register(t->client, &prov), 0);
}

static struct vmq_shmem_params shmem_req(u32 queue, size_t length, u32 flags)
{
	return (struct vmq_shmem_params){
		.flags = flags,
		.queue_id = queue,
		.usage = VMQ_SHMEM_USAGE_RECEIVE,
		.node = NUMA_NO_NODE,
		.length = length,
	};
}

/* Allocate and expect success; returns the handle. */
static u32 shmem_alloc_ok(struct kunit *test, struct vmq_shmem_client *c,
			  u32 queue, size_t length)
{
	struct vmq_shmem_params p = shmem_req(queue, length, 0);
	u32 handle;

	KUNIT_EXPECT_EQ(test, vmq_shmem_alloc(c, &p, &handle), 0);
	KUNIT_EXPECT_NE(test, handle, 0);
	return handle;
}

/* ---- Pure helpers ------------------------------------------------------ */

static void shmem_test_units(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, vmq_shmem_units(1), PAGE_SIZE / SZ_4K);
	KUNIT_EXPECT_EQ(test, vmq_shmem_units(PAGE_SIZE), PAGE_SIZE / SZ_4K);
	KUNIT_EXPECT_EQ(test, vmq_shmem_units(PAGE_SIZE + 1),
			2 * PAGE_SIZE / SZ_4K);
	KUNIT_EXPECT_EQ(test, vmq_shmem_units(SZ_1M), SZ_1M / SZ_4K);
	KUNIT_EXPECT_EQ(test, vmq_shmem_units(VMQ_SHMEM_MAX_LENGTH),
			VMQ_SHMEM_MAX_LENGTH / SZ_4K);
}

static void shmem_test_budget_fits(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, vmq_shmem_budget_fits(10, 0, 10));
	KUNIT_EXPECT_TRUE(test, vmq_shmem_budget_fits(10, 9, 1));
	KUNIT_EXPECT_TRUE(test, vmq_shmem_budget_fits(10, 10, 0));
	KUNIT_EXPECT_FALSE(test, vmq_shmem_budget_fits(10, 9, 2));
	KUNIT_EXPECT_FALSE(test, vmq_shmem_budget_fits(10, 0, 11));
	KUNIT_EXPECT_FALSE(test, vmq_shmem_budget_fits(0, 0, 1));
	/* used above budget (a shrunk budget) admits nothing */
	KUNIT_EXPECT_FALSE(test, vmq_shmem_budget_fits(10, 11, 0));
	/* no wrap-around */
	KUNIT_EXPECT_FALSE(test, vmq_shmem_budget_fits(10, 5, U64_MAX));
	KUNIT_EXPECT_TRUE(test, vmq_shmem_budget_fits(U64_MAX, U64_MAX - 1, 1));
}

static void shmem_test_fault_filters(struct kunit *test)
{
	struct vmq_shmem_fault f = {
		.count = 2,
		.queue = 1,
		.usage = VMQ_SHMEM_FAULT_ANY,
	};
	struct vmq_shmem_params p = shmem_req(0, 1, 0);

	KUNIT_EXPECT_FALSE(test, vmq_shmem_fault_hit(&f, &p));
	p.queue_id = 1;
	KUNIT_EXPECT_TRUE(test, vmq_shmem_fault_hit(&f, &p));
	KUNIT_EXPECT_TRUE(test, vmq_shmem_fault_hit(&f, &p));
	KUNIT_EXPECT_FALSE(test, vmq_shmem_fault_hit(&f, &p));
	KUNIT_EXPECT_EQ(test, f.count, 0);
	KUNIT_EXPECT_EQ(test, f.injected, 2);

	f.count = 1;
	f.queue = VMQ_SHMEM_FAULT_ANY;
	f.usage = VMQ_SHMEM_USAGE_XMIT;
	KUNIT_EXPECT_FALSE(test, vmq_shmem_fault_hit(&f, &p));
	p.usage = VMQ_SHMEM_USAGE_XMIT;
	KUNIT_EXPECT_TRUE(test, vmq_shmem_fault_hit(&f, &p));
	KUNIT_EXPECT_FALSE(test, vmq_shmem_fault_hit(&f, &p));
}

static void shmem_test_usage_names(struct kunit *test)
{
	/* The NDIS order. */
	KUNIT_EXPECT_EQ(test, VMQ_SHMEM_USAGE_RECEIVE, 4);
	KUNIT_EXPECT_EQ(test, VMQ_SHMEM_USAGE_OTHER, 9);
	KUNIT_EXPECT_EQ(test, VMQ_SHMEM_USAGE_MAX, 10);
	KUNIT_EXPECT_STREQ(test, vmq_shmem_usage_name(VMQ_SHMEM_USAGE_UNDEFINED),
			   "undefined");
	KUNIT_EXPECT_STREQ(test,
			   vmq_shmem_usage_name(VMQ_SHMEM_USAGE_RECEIVE_POST_LOOKAHEAD),
			   "receive_post_lookahead");
	KUNIT_EXPECT_PTR_EQ(test, vmq_shmem_usage_name(VMQ_SHMEM_USAGE_MAX),
			    NULL);
	KUNIT_EXPECT_PTR_EQ(test, vmq_shmem_usage_name(-1), NULL);
}

/* ---- Parameter validation: one case per bad field ---------------------- */

struct shmem_param_case {
	const char *name;
	struct vmq_shmem_params p;
	int err;
};

/* Each case differs from a good request in one field. */
#define SHMEM_CASE(_name, _flags, _queue, _usage, _node, _length, _err) { \
	.name = _name,							\
	.p = {								\
		.flags = _flags,					\
		.queue_id = _queue,					\
		.usage = _usage,					\
		.node = _node,						\
		.length = _length,					\
	},								\
	.err = _err,							\
}

#define SHMEM_XMIT	VMQ_SHMEM_USAGE_XMIT
#define SHMEM_ANY	NUMA_NO_NODE

static const struct shmem_param_case shmem_param_cases[] = {
	SHMEM_CASE("good", 0, 0, SHMEM_XMIT, SHMEM_ANY, 100, 0),
	SHMEM_CASE("good contiguous", VMQ_SHMEM_F_CONTIGUOUS, 0, SHMEM_XMIT,
		   SHMEM_ANY, 100, 0),
	SHMEM_CASE("good usage undefined", 0, 0, VMQ_SHMEM_USAGE_UNDEFINED,
		   SHMEM_ANY, 100, 0),
	SHMEM_CASE("good usage other", 0, 0, VMQ_SHMEM_USAGE_OTHER, SHMEM_ANY,
		   100, 0),
	SHMEM_CASE("good node 0", 0, 0, SHMEM_XMIT, 0, 100, 0),
	SHMEM_CASE("good last queue", 0, SHMEM_TEST_QUEUES - 1, SHMEM_XMIT,
		   SHMEM_ANY, 100, 0),
	SHMEM_CASE("good max length", 0, 0, SHMEM_XMIT, SHMEM_ANY,
		   VMQ_SHMEM_MAX_LENGTH, 0),
	SHMEM_CASE("flags unknown bit 1", BIT(1), 0, SHMEM_XMIT, SHMEM_ANY, 100,
		   -EINVAL),
	SHMEM_CASE("flags unknown bit 31", BIT(31) | VMQ_SHMEM_F_CONTIGUOUS, 0,
		   SHMEM_XMIT, SHMEM_ANY, 100, -EINVAL),
	SHMEM_CASE("usage max", 0, 0, VMQ_SHMEM_USAGE_MAX, SHMEM_ANY, 100,
		   -EINVAL),
	SHMEM_CASE("usage negative", 0, 0, -1, SHMEM_ANY, 100, -EINVAL),
	SHMEM_CASE("length zero", 0, 0, SHMEM_XMIT, SHMEM_ANY, 0, -EINVAL),
	SHMEM_CASE("length absurd", 0, 0, SHMEM_XMIT, SHMEM_ANY,
		   VMQ_SHMEM_MAX_LENGTH + 1, -EINVAL),
	SHMEM_CASE("length size_max", 0, 0, SHMEM_XMIT, SHMEM_ANY, SIZE_MAX,
		   -EINVAL),
	SHMEM_CASE("node negative", 0, 0, SHMEM_XMIT, -2, 100, -EINVAL),
	SHMEM_CASE("node beyond MAX_NUMNODES", 0, 0, SHMEM_XMIT, MAX_NUMNODES,
		   100, -EINVAL),
	SHMEM_CASE("queue nonexistent", 0, SHMEM_TEST_QUEUES, SHMEM_XMIT,
		   SHMEM_ANY, 100, -EINVAL),
	SHMEM_CASE("queue u32 max", 0, U32_MAX, SHMEM_XMIT, SHMEM_ANY, 100,
		   -EINVAL),
};

static void shmem_param_desc(const struct shmem_param_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(shmem_param, shmem_param_cases, shmem_param_desc);

/*
 * Through the whole allocate path, so that the queue check is covered and
 * a rejected request is seen to leave nothing behind: no handle, no
 * outputs, no charge, no provider call.
 */
static void shmem_test_params(struct kunit *test)
{
	const struct shmem_param_case *c = test->param_value;
	struct shmem_test *t = test->priv;
	struct vmq_shmem_params p = c->p;
	u32 handle = 0xdead;
	int err;

	shmem_test_use_fake(test);
	/* a "good" max-length block must not trip the budget */
	t->pool->budget = VMQ_SHMEM_BUDGET_MAX;
	p.vaddr = (void *)0x1;
	p.shmem_handle = 1;

	err = vmq_shmem_alloc(t->client, &p, &handle);
	KUNIT_EXPECT_EQ(test, err, c->err);
	if (err) {
		KUNIT_EXPECT_EQ(test, handle, 0);
		KUNIT_EXPECT_PTR_EQ(test, p.vaddr, NULL);
		KUNIT_EXPECT_PTR_EQ(test, p.sgt, NULL);
		KUNIT_EXPECT_EQ(test, p.shmem_handle, 0);
		KUNIT_EXPECT_EQ(test, t->fake.allocs, 0);
		KUNIT_EXPECT_EQ(test, vmq_shmem_pool_occupancy(t->pool), 0);
		KUNIT_EXPECT_EQ(test, t->pool->total.blocks, 0);
	} else {
		KUNIT_EXPECT_NE(test, handle, 0);
		KUNIT_EXPECT_EQ(test, t->fake.allocs, 1);
		vmq_shmem_free(t->client, handle);
		KUNIT_EXPECT_EQ(test, t->fake.frees, 1);
	}
}

/* ---- Handles ----------------------------------------------------------- */

static void shmem_test_handles(struct kunit *test)
{
	struct shmem_test *t = test->priv;
	struct vmq_shmem_client *other;
	u32 h[4], again;

	shmem_test_use_fake(test);
	h[0] = shmem_alloc_ok(test, t->client, 0, 1);
	h[1] = shmem_alloc_ok(test, t->client, 0, 1);
	h[2] = shmem_alloc_ok(test, t->client, 0, 1);
	KUNIT_EXPECT_NE(test, h[0], h[1]);
	KUNIT_EXPECT_NE(test, h[1], h[2]);
	KUNIT_EXPECT_NE(test, h[0], h[2]);

	/* A freed handle is not handed out again right away. */
	vmq_shmem_free(t->client, h[1]);
	h[3] = shmem_alloc_ok(test, t->client, 0, 1);
	KUNIT_EXPECT_NE(test, h[3], h[1]);
	KUNIT_EXPECT_NE(test, h[3], h[0]);
	KUNIT_EXPECT_NE(test, h[3], h[2]);

	/* Double free, unknown handles: refused, nothing changes. */
	KUNIT_EXPECT_EQ(test, vmq_shmem_free(t->client, h[1]), -ENOENT);
	KUNIT_EXPECT_EQ(test, vmq_shmem_free(t->client, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, vmq_shmem_free(t->client, 0x7fffffff), -ENOENT);
	KUNIT_EXPECT_EQ(test, vmq_shmem_free(t->client, U32_MAX), -ENOENT);
	KUNIT_EXPECT_EQ(test, t->pool->total.blocks, 3);
	KUNIT_EXPECT_EQ(test, t->fake.frees, 1);

	/* Another client cannot free my block. */
	other = vmq_shmem_pool_open(t->pool, "other");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, other);
	KUNIT_EXPECT_EQ(test, vmq_shmem_free(other, h[0]), -EPERM);
	KUNIT_EXPECT_EQ(test, t->pool->total.blocks, 3);
	vmq_shmem_close(other);
	KUNIT_EXPECT_EQ(test, t->pool->leaked.blocks, 0);

	vmq_shmem_free(t->client, h[0]);
	vmq_shmem_free(t->client, h[2]);
	vmq_shmem_free(t->client, h[3]);
	KUNIT_EXPECT_EQ(test, t->pool->total.blocks, 0);
	KUNIT_EXPECT_EQ(test, t->fake.frees, 4);

	/* A table of three slots (every block was freed: swapping it is
	 * safe). Full, it gives the NDIS "resources" answer; a freed slot
	 * comes back under a new handle, and the old one stays dead.
	 */
	vmq_shmem_handles_destroy(&t->pool->handles);
	vmq_shmem_handles_init(&t->pool->handles, 3);
	h[0] = shmem_alloc_ok(test, t->client, 0, 1);
	h[1] = shmem_alloc_ok(test, t->client, 0, 1);
	h[2] = shmem_alloc_ok(test, t->client, 0, 1);
	{
		struct vmq_shmem_params p = shmem_req(0, 1, 0);

		/* every handle taken: the NDIS "resources" answer */
		KUNIT_EXPECT_EQ(test, vmq_shmem_alloc(t->client, &p, &again),
				-ENOSPC);
		KUNIT_EXPECT_EQ(test, again, 0);
	}
	vmq_shmem_free(t->client, h[1]);
	again = shmem_alloc_ok(test, t->client, 0, 1);
	KUNIT_EXPECT_NE(test, again, h[1]);
	KUNIT_EXPECT_EQ(test, again & VMQ_SHMEM_SLOT_MASK,
			h[1] & VMQ_SHMEM_SLOT_MASK);
	vmq_shmem_free(t->client, h[1]);
	KUNIT_EXPECT_EQ(test, t->pool->total.blocks, 3);
	KUNIT_EXPECT_EQ(test, t->fake.allocs, t->fake.frees + 3);
}

/*
 * The handle table on its own: handles are never 0 and fit in an int, it
 * grows up to its limit, slots are reused in FIFO order under a new
 * generation, and a handle value only comes back once its slot has gone
 * through every generation.
 */
static void shmem_test_handle_table(struct kunit *test)
{
	struct vmq_shmem_block *blk[3], *b;
	struct vmq_shmem_handles t;
	u32 slot, first;
	unsigned int i, n;
	int h[3];

	for (i = 0; i < ARRAY_SIZE(blk); i++)
		blk[i] = (struct vmq_shmem_block *)(0x1000UL * (i + 1));
	vmq_shmem_handles_init(&t, 2);
	KUNIT_EXPECT_NULL(test, vmq_shmem_handle_find(&t, 0));
	KUNIT_EXPECT_NULL(test, vmq_shmem_handle_find(&t, U32_MAX));

	h[0] = vmq_shmem_handle_new(&t, blk[0]);
	h[1] = vmq_shmem_handle_new(&t, blk[1]);
	KUNIT_ASSERT_GT(test, h[0], 0);
	KUNIT_ASSERT_GT(test, h[1], 0);
	KUNIT_EXPECT_NE(test, h[0], h[1]);
	KUNIT_EXPECT_EQ(test, vmq_shmem_handle_new(&t, blk[2]), -EBUSY);
	KUNIT_EXPECT_PTR_EQ(test, vmq_shmem_handle_find(&t, h[0]), blk[0]);
	KUNIT_EXPECT_PTR_EQ(test, vmq_shmem_handle_find(&t, h[1]), blk[1]);
	/* the right slot, the wrong generation */
	KUNIT_EXPECT_NULL(test,
			  vmq_shmem_handle_find(&t, h[0] + BIT(VMQ_SHMEM_SLOT_BITS)));

	/* Both live blocks are walked, and only they. */
	n = 0;
	for (slot = 0; (b = vmq_shmem_handles_next(&t, &slot)); slot++) {
		KUNIT_EXPECT_TRUE(test, b == blk[0] || b == blk[1]);
		n++;
	}
	KUNIT_EXPECT_EQ(test, n, 2);

	/* FIFO: the slot freed first is the one used next. */
	vmq_shmem_handle_release(&t, h[1]);
	vmq_shmem_handle_release(&t, h[0]);
	KUNIT_EXPECT_NULL(test, vmq_shmem_handle_find(&t, h[0]));
	h[2] = vmq_shmem_handle_new(&t, blk[2]);
	KUNIT_EXPECT_EQ(test, h[2] & VMQ_SHMEM_SLOT_MASK,
			h[1] & VMQ_SHMEM_SLOT_MASK);
	KUNIT_EXPECT_NE(test, h[2], h[1]);
	KUNIT_EXPECT_NULL(test, vmq_shmem_handle_find(&t, h[1]));
	vmq_shmem_handle_release(&t, h[2]);

	/* A handle stays dead until its slot wraps its generations. */
	first = vmq_shmem_handle_new(&t, blk[0]);
	vmq_shmem_handle_release(&t, first);
	for (i = 1; i <= 2 * VMQ_SHMEM_GEN_MAX; i++) {
		h[0] = vmq_shmem_handle_new(&t, blk[0]);
		KUNIT_ASSERT_GT(test, h[0], 0);
		if ((u32)h[0] == first)
			break;
		KUNIT_EXPECT_NULL(test, vmq_shmem_handle_find(&t, first));
		vmq_shmem_handle_release(&t, h[0]);
	}
	/* Two slots alternate, each through every generation. */
	KUNIT_ASSERT_EQ(test, i, 2 * VMQ_SHMEM_GEN_MAX);
	vmq_shmem_handle_release(&t, h[0]);
	vmq_shmem_handles_destroy(&t);

	/*
	 * All but one of VMQ_SHMEM_SLOTS_MIN slots live: the table grows
	 * rather than reuse the one free slot, so the handle still comes
	 * back only after VMQ_SHMEM_SLOTS_MIN slots' worth of generations.
	 */
	vmq_shmem_handles_init(&t, VMQ_SHMEM_SLOTS_MIN * 4);
	for (i = 0; i < VMQ_SHMEM_SLOTS_MIN - 1; i++)
		KUNIT_ASSERT_GT(test, vmq_shmem_handle_new(&t, blk[1]), 0);
	first = vmq_shmem_handle_new(&t, blk[0]);
	vmq_shmem_handle_release(&t, first);
	for (i = 1; i < VMQ_SHMEM_SLOTS_MIN * VMQ_SHMEM_GEN_MAX; i++) {
		h[0] = vmq_shmem_handle_new(&t, blk[0]);
		KUNIT_ASSERT_GT(test, h[0], 0);
		if ((u32)h[0] == first)
			break;
		vmq_shmem_handle_release(&t, h[0]);
	}
	KUNIT_EXPECT_EQ(test, i, VMQ_SHMEM_SLOTS_MIN * VMQ_SHMEM_GEN_MAX);
	vmq_shmem_handles_destroy(&t);

	/* Grown by doubling, from VMQ_SHMEM_SLOTS_MIN, up to the limit. */
	vmq_shmem_handles_init(&t, VMQ_SHMEM_SLOTS_MIN * 2 + 1);
	for (i = 0; i < VMQ_SHMEM_SLOTS_MIN * 2 + 1; i++)
		KUNIT_ASSERT_GT(test, vmq_shmem_handle_new(&t, blk[0]), 0);
	KUNIT_EXPECT_EQ(test, t.nr, VMQ_SHMEM_SLOTS_MIN * 2 + 1);
	KUNIT_EXPECT_EQ(test, vmq_shmem_handle_new(&t, blk[0]), -EBUSY);
	vmq_shmem_handles_destroy(&t);
}

/*
 * Many allocate/free pairs, as a queue refilling one buffer does: handles
 * keep increasing as the free slots are reused in turn under a new
 * generation, every old handle stays dead, and a block that was allocated
 * before them all is still found.
 */
static void shmem_test_handles_churn(struct kunit *test)
{
	struct shmem_test *t = test->priv;
	u32 *seen, old_blk, prev = 0;
	unsigned int i, n = 300;

	seen = kunit_kcalloc(test, n, sizeof(*seen), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	shmem_test_use_fake(test);

	old_blk = shmem_alloc_ok(test, t->client, 1, 1);
	for (i = 0; i < n; i++) {
		seen[i] = shmem_alloc_ok(test, t->client, 0, 1);
		KUNIT_EXPECT_GT(test, seen[i], prev);
		KUNIT_EXPECT_NE(test, seen[i], old_blk);
		prev = seen[i];
		vmq_shmem_free(t->client, seen[i]);
	}
	/* every one of them is stale now: nothing is freed twice */
	for (i = 0; i < n; i++)
		vmq_shmem_free(t->client, seen[i]);
	KUNIT_EXPECT_EQ(test, t->fake.frees, n);
	KUNIT_EXPECT_EQ(test, t->pool->total.blocks, 1);

	/* the first block's slot was never reused */
	vmq_shmem_free(t->client, old_blk);
	KUNIT_EXPECT_EQ(test, t->fake.frees, n + 1);
	KUNIT_EXPECT_EQ(test, t->pool->total.blocks, 0);
	KUNIT_EXPECT_EQ(test, vmq_shmem_pool_occupancy(t->pool), 0);
}

/* ---- Accounting -------------------------------------------------------- */

#define SHMEM_ACCT_SLOTS	24

struct shmem_acct_slot {
	u32 handle;
	u32 queue;
	size_t length;
	int client;
};

static void shmem_check_model(struct kunit *test, struct shmem_test *t,
			      const struct shmem_acct_slot *slots,
			      struct vmq_shmem_client **clients)
{
	u64 q_blocks[SHMEM_TEST_QUEUES] = {}, q_bytes[SHMEM_TEST_QUEUES] = {};
	u64 c_blocks[2] = {}, c_bytes[2] = {};
	u64 blocks = 0, bytes = 0, units = 0;
	struct vmq_shmem_queue *queue;
	unsigned long id;
	int i;

	for (i = 0; i < SHMEM_ACCT_SLOTS; i++) {
		const struct shmem_acct_slot *s = &slots[i];

		if (!s->handle)
			continue;
		blocks++;
		bytes += s->length;
		units += vmq_shmem_units(s->length);
		q_blocks[s->queue]++;
		q_bytes[s->queue] += s->length;
		c_blocks[s->client]++;
		c_bytes[s->client] += s->length;
	}
	KUNIT_EXPECT_EQ(test, t->pool->total.blocks, blocks);
	KUNIT_EXPECT_EQ(test, t->pool->total.bytes, bytes);
	KUNIT_EXPECT_EQ(test, vmq_shmem_pool_occupancy(t->pool), units);
	for (i = 0; i < 2; i++) {
		KUNIT_EXPECT_EQ(test, clients[i]->stats.blocks, c_blocks[i]);
		KUNIT_EXPECT_EQ(test, clients[i]->stats.bytes, c_bytes[i]);
	}
	xa_for_each(&t->pool->queues, id, queue) {
		KUNIT_ASSERT_LT(test, id, SHMEM_TEST_QUEUES);
		KUNIT_EXPECT_EQ(test, queue->stats.blocks, q_blocks[id]);
		KUNIT_EXPECT_EQ(test, queue->stats.bytes, q_bytes[id]);
	}
}

static void shmem_test_accounting(struct kunit *test)
{
	struct shmem_test *t = test->priv;
	struct vmq_shmem_client *clients[2];
	struct shmem_acct_slot *slots;
	u32 seed = 12345;
	int step;

	slots = kunit_kcalloc(test, SHMEM_ACCT_SLOTS, sizeof(*slots),
			      GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, slots);
	shmem_test_use_fake(test);
	t->pool->budget = VMQ_SHMEM_BUDGET_MAX;
	clients[0] = t->client;
	clients[1] = vmq_shmem_pool_open(t->pool, "kunit-2");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, clients[1]);

	/* A fixed pseudo-random interleaving of allocs and frees. */
	for (step = 0; step < 400; step++) {
		struct shmem_acct_slot *s;

		seed = seed * 1103515245 + 12345;
		s = &slots[(seed >> 8) % SHMEM_ACCT_SLOTS];
		if (s->handle) {
			vmq_shmem_free(clients[s->client], s->handle);
			s->handle = 0;
		} else {
			struct vmq_shmem_params p;

			s->queue = (seed >> 16) % SHMEM_TEST_QUEUES;
			s->length = 1 + (seed >> 4) % (3 * PAGE_SIZE);
			s->client = (seed >> 24) & 1;
			p = shmem_req(s->queue, s->length, 0);
			KUNIT_ASSERT_EQ(test, vmq_shmem_alloc(clients[s->client],
							      &p, &s->handle),
					0);
		}
		shmem_check_model(test, t, slots, clients);
	}

	/*
	 * FREE_QUEUE: nobody frees a live queue's memory nor a default
	 * queue's; once the queue is being freed, a client frees its own
	 * blocks of it, and the queue's end frees the rest as leaks.
	 */
	{
		unsigned int own = 0, others = 0, i;
		u64 blocks = t->pool->total.blocks;

		KUNIT_EXPECT_EQ(test, vmq_shmem_free_queue(t->client, 2),
				-EBUSY);
		KUNIT_EXPECT_EQ(test, vmq_shmem_free_queue(t->client, 0),
				-EINVAL);
		KUNIT_EXPECT_EQ(test,
				vmq_shmem_free_queue(t->client,
						     VMQ_SHMEM_QUEUE_ID(1, 0)),
				-EINVAL);
		KUNIT_EXPECT_EQ(test, vmq_shmem_free_queue(t->client,
							   SHMEM_TEST_QUEUES),
				-EINVAL);
		KUNIT_EXPECT_EQ(test, t->pool->total.blocks, blocks);

		for (i = 0; i < SHMEM_ACCT_SLOTS; i++) {
			if (!slots[i].handle || slots[i].queue != 2)
				continue;
			if (slots[i].client)
				others++;
			else
				own++;
		}
		t->freeing = 2;
		KUNIT_EXPECT_EQ(test, vmq_shmem_free_queue(t->client, 2), own);
		for (i = 0; i < SHMEM_ACCT_SLOTS; i++)
			if (slots[i].queue == 2 && !slots[i].client)
				slots[i].handle = 0;
		shmem_check_model(test, t, slots, clients);
		KUNIT_EXPECT_EQ(test, t->pool->leaked.blocks, 0);

		KUNIT_EXPECT_EQ(test, vmq_shmem_queue_release(t->pool, 2,
							      false), others);
		for (i = 0; i < SHMEM_ACCT_SLOTS; i++)
			if (slots[i].queue == 2)
				slots[i].handle = 0;
		shmem_check_model(test, t, slots, clients);
		KUNIT_EXPECT_EQ(test, t->pool->leaked.blocks, others);
		t->freeing = U32_MAX;
	}

	/* Closing a client frees and reports what it still holds. */
	{
		u64 blocks = clients[1]->stats.blocks;
		u64 bytes = clients[1]->stats.bytes;
		u64 leaked = t->pool->leaked.blocks;
		u64 leaked_bytes = t->pool->leaked.bytes;
		unsigned int i;

		vmq_shmem_close(clients[1]);
		clients[1] = NULL;
		KUNIT_EXPECT_EQ(test, t->pool->leaked.blocks, leaked + blocks);
		KUNIT_EXPECT_EQ(test, t->pool->leaked.bytes,
				leaked_bytes + bytes);
		for (i = 0; i < SHMEM_ACCT_SLOTS; i++)
			if (slots[i].client == 1)
				slots[i].handle = 0;
		KUNIT_EXPECT_EQ(test, t->pool->total.blocks,
				clients[0]->stats.blocks);
	}
	KUNIT_EXPECT_EQ(test, t->fake.allocs,
			t->fake.frees + t->pool->total.blocks);
}

/* ---- Budget ------------------------------------------------------------ */

static void shmem_test_budget(struct kunit *test)
{
	struct shmem_test *t = test->priv;
	struct vmq_shmem_params p;
	u32 full, h, h2;

	shmem_test_use_fake(test);
	KUNIT_ASSERT_EQ(test, t->pool->budget, SHMEM_TEST_BUDGET);

	/* One page over: refused, nothing charged, provider not called. */
	p = shmem_req(0, SHMEM_TEST_BUDGET * SZ_4K + 1, 0);
	KUNIT_EXPECT_EQ(test, vmq_shmem_alloc(t->client, &p, &h), -ENOSPC);
	KUNIT_EXPECT_EQ(test, h, 0);
	KUNIT_EXPECT_EQ(test, vmq_shmem_pool_occupancy(t->pool), 0);
	KUNIT_EXPECT_EQ(test, t->fake.allocs, 0);

	/* Exactly full. */
	full = shmem_alloc_ok(test, t->client, 1, SHMEM_TEST_BUDGET * SZ_4K);
	KUNIT_EXPECT_EQ(test, vmq_shmem_pool_occupancy(t->pool),
			SHMEM_TEST_BUDGET);
	p = shmem_req(0, 1, 0);
	KUNIT_EXPECT_EQ(test, vmq_shmem_alloc(t->client, &p, &h), -ENOSPC);
	KUNIT_EXPECT_EQ(test, h, 0);
	KUNIT_EXPECT_EQ(test, t->pool->total.blocks, 1);
	vmq_shmem_free(t->client, full);
	KUNIT_EXPECT_EQ(test, vmq_shmem_pool_occupancy(t->pool), 0);

	/* Full by two blocks, then one page more is one too many. */
	h = shmem_alloc_ok(test, t->client, 0, (SHMEM_TEST_BUDGET - 1) * SZ_4K);
	h2 = shmem_alloc_ok(test, t->client, 0, 1);
	p = shmem_req(0, 1, 0);
	KUNIT_EXPECT_EQ(test, vmq_shmem_alloc(t->client, &p, &full), -ENOSPC);
	vmq_shmem_free(t->client, h2);
	/* 4097 bytes are two pages: one too many again */
	p = shmem_req(0, SZ_4K + 1, 0);
	KUNIT_EXPECT_EQ(test, vmq_shmem_alloc(t->client, &p, &full), -ENOSPC);
	vmq_shmem_free(t->client, h);
	KUNIT_EXPECT_EQ(test, vmq_shmem_pool_occupancy(t->pool), 0);
	KUNIT_EXPECT_EQ(test, t->fake.allocs, t->fake.frees);
}

/* ---- Failures leave nothing behind ------------------------------------- */

static void shmem_test_failures(struct kunit *test)
{
	struct shmem_test *t = test->priv;
	struct vmq_shmem_params p;
	u32 h;

	shmem_test_use_fake(test);

	/* injected, only for queue 1 */
	t->pool->fault.count = 2;
	t->pool->fault.queue = 1;
	h = shmem_alloc_ok(test, t->client, 0, 1);
	vmq_shmem_free(t->client, h);
	p = shmem_req(1, 1, 0);
	KUNIT_EXPECT_EQ(test, vmq_shmem_alloc(t->client, &p, &h), -ENOMEM);
	KUNIT_EXPECT_EQ(test, vmq_shmem_alloc(t->client, &p, &h), -ENOMEM);
	KUNIT_EXPECT_EQ(test, h, 0);
	KUNIT_EXPECT_EQ(test, t->pool->fault.injected, 2);
	h = shmem_alloc_ok(test, t->client, 1, 1);
	vmq_shmem_free(t->client, h);

	/* the provider fails */
	t->fake.fail = -ENOMEM;
	p = shmem_req(0, 1, 0);
	KUNIT_EXPECT_EQ(test, vmq_shmem_alloc(t->client, &p, &h), -ENOMEM);
	KUNIT_EXPECT_EQ(test, h, 0);
	t->fake.fail = 0;

	/* the provider returns a block without an address */
	t->fake.incomplete = true;
	KUNIT_EXPECT_EQ(test, vmq_shmem_alloc(t->client, &p, &h), -EIO);
	KUNIT_EXPECT_EQ(test, h, 0);
	KUNIT_EXPECT_PTR_EQ(test, p.sgt, NULL);
	t->fake.incomplete = false;

	KUNIT_EXPECT_EQ(test, vmq_shmem_pool_occupancy(t->pool), 0);
	KUNIT_EXPECT_EQ(test, t->pool->total.blocks, 0);
	KUNIT_EXPECT_EQ(test, t->fake.allocs, t->fake.frees);
}

/* ---- Providers --------------------------------------------------------- */

static void shmem_test_providers(struct kunit *test)
{
	struct shmem_test *t = test->priv;
	struct vmq_shmem_provider prov = { .ops = &shmem_fake_ops };
	struct vmq_shmem_client *other;
	struct vmq_shmem_block *blk;
	struct vmq_shmem_params p;
	u32 dma_h, fake_h, h;
	char *name;

	/* Default provider first. */
	p = shmem_req(0, 100, 0);
	KUNIT_ASSERT_EQ(test, vmq_shmem_alloc(t->client, &p, &dma_h), 0);
	KUNIT_EXPECT_EQ(test, p.shmem_handle & 0xf0000000, 0);

	other = vmq_shmem_pool_open(t->pool, "vswitch");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, other);
	prov.ctx = &t->fake;
	KUNIT_ASSERT_EQ(test, vmq_shmem_provider_register(other, &prov), 0);
	/* one at a time */
	KUNIT_EXPECT_EQ(test, vmq_shmem_provider_register(t->client, &prov),
			-EBUSY);
	prov.ops = NULL;
	KUNIT_EXPECT_EQ(test, vmq_shmem_provider_register(t->client, &prov),
			-EINVAL);

	/* Everybody's allocations now go to the registered provider. */
	p = shmem_req(1, 100, 0);
	KUNIT_ASSERT_EQ(test, vmq_shmem_alloc(t->client, &p, &fake_h), 0);
	KUNIT_EXPECT_EQ(test, p.shmem_handle & 0xf0000000, 0xf0000000);
	KUNIT_EXPECT_EQ(test, t->fake.allocs, 1);
	KUNIT_EXPECT_STREQ(test, t->pool->prov->desc.name, "vswitch");

	/* Not the owner: no effect. */
	KUNIT_EXPECT_EQ(test, vmq_shmem_provider_unregister(t->client),
			-ENOENT);
	KUNIT_EXPECT_PTR_EQ(test, t->pool->prov->client, other);

	/*
	 * The provider may not leave while a block it supplied is live: it
	 * may be a running queue's ring. It stays registered, and the block
	 * stays.
	 */
	KUNIT_EXPECT_EQ(test, vmq_shmem_provider_unregister(other), -EBUSY);
	KUNIT_EXPECT_PTR_EQ(test, t->pool->prov->client, other);
	KUNIT_EXPECT_EQ(test, t->fake.frees, 0);
	KUNIT_EXPECT_EQ(test, t->pool->total.blocks, 2);

	/*
	 * Closing its client retires it: no new block comes from it, but
	 * the block it supplied keeps it until that block is freed.
	 */
	vmq_shmem_close(other);
	KUNIT_EXPECT_PTR_EQ(test, t->pool->prov, &t->pool->dma_prov);
	KUNIT_EXPECT_EQ(test, t->fake.frees, 0);
	KUNIT_EXPECT_EQ(test, t->pool->leaked.blocks, 0);
	/* Its name, its client's, outlives the client (debugfs shows it). */
	blk = vmq_shmem_handle_find(&t->pool->handles, fake_h);
	KUNIT_ASSERT_NOT_NULL(test, blk);
	KUNIT_EXPECT_STREQ(test, blk->prov->desc.name, "vswitch");
	p = shmem_req(0, 100, 0);
	KUNIT_ASSERT_EQ(test, vmq_shmem_alloc(t->client, &p, &h), 0);
	KUNIT_EXPECT_EQ(test, t->fake.allocs, 1);
	KUNIT_EXPECT_EQ(test, vmq_shmem_free(t->client, fake_h), 0);
	KUNIT_EXPECT_EQ(test, t->fake.frees, 1);
	KUNIT_EXPECT_EQ(test, vmq_shmem_free(t->client, fake_h), -ENOENT);

	/* Unregistered with nothing live, a provider is gone at once. */
	other = vmq_shmem_pool_open(t->pool, "vswitch");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, other);
	prov.ops = &shmem_fake_ops;
	/* A name the caller frees after registering: it was copied. */
	name = kstrdup("switch two", GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, name);
	prov.name = name;
	KUNIT_ASSERT_EQ(test, vmq_shmem_provider_register(other, &prov), 0);
	prov.name = NULL;
	memset(name, 'x', strlen(name));
	kfree(name);
	KUNIT_EXPECT_STREQ(test, t->pool->prov->desc.name, "switch two");
	KUNIT_EXPECT_EQ(test, vmq_shmem_provider_unregister(other), 0);
	KUNIT_EXPECT_PTR_EQ(test, t->pool->prov, &t->pool->dma_prov);
	vmq_shmem_close(other);

	KUNIT_EXPECT_EQ(test, vmq_shmem_free(t->client, h), 0);
	KUNIT_EXPECT_EQ(test, vmq_shmem_free(t->client, dma_h), 0);
	KUNIT_EXPECT_EQ(test, vmq_shmem_pool_occupancy(t->pool), 0);
}

/* ---- Halt -------------------------------------------------------------- */

static void shmem_test_halt(struct kunit *test)
{
	struct shmem_test *t = test->priv;
	struct vmq_shmem_params p;
	u32 h;

	shmem_test_use_fake(test);
	shmem_alloc_ok(test, t->client, 0, 100);
	shmem_alloc_ok(test, t->client, 1, 200);
	shmem_alloc_ok(test, t->client, 3, 300);

	/* The open client keeps the pool object alive past the device. */
	vmq_shmem_pool_destroy(t->pool);
	KUNIT_EXPECT_EQ(test, t->fake.frees, 3);
	/* the default queue's block is the halt's to free: no leak */
	KUNIT_EXPECT_EQ(test, t->pool->leaked.blocks, 2);
	KUNIT_EXPECT_EQ(test, t->pool->leaked.bytes, 500);
	KUNIT_EXPECT_EQ(test, vmq_shmem_pool_occupancy(t->pool), 0);

	p = shmem_req(0, 1, 0);
	KUNIT_EXPECT_EQ(test, vmq_shmem_alloc(t->client, &p, &h), -ENODEV);
	KUNIT_EXPECT_EQ(test, h, 0);
	KUNIT_EXPECT_EQ(test, vmq_shmem_free_queue(t->client, 1), -ENODEV);
	KUNIT_EXPECT_EQ(test, vmq_shmem_free(t->client, 1), -ENODEV);
	KUNIT_EXPECT_PTR_EQ(test, vmq_shmem_pool_open(t->pool, "late"),
			    ERR_PTR(-ENODEV));
	/* exit() closes the client, which frees the pool */
	t->pool = NULL;
}

/* ---- The DMA provider -------------------------------------------------- */

/* The pages behind a block's virtual address, in order. */
static struct page *shmem_vaddr_page(const void *vaddr)
{
	return is_vmalloc_addr(vaddr) ? vmalloc_to_page(vaddr) :
					virt_to_page(vaddr);
}

/*
 * Everything a block promises: the virtual address covers the length and
 * maps the very pages of the table, the table's CPU and DMA lengths add up
 * to the length, every DMA address is set, the memory is zeroed. Returns
 * the number of physically contiguous runs of its pages.
 */
static unsigned int shmem_check_block(struct kunit *test,
				      const struct vmq_shmem_params *p)
{
	unsigned int npages = PAGE_ALIGN(p->length) >> PAGE_SHIFT;
	struct sg_table *sgt = p->sgt;
	unsigned int i, runs = 0;
	struct sg_page_iter piter;
	struct scatterlist *sg;
	size_t cpu = 0, dma = 0;
	unsigned long prev = 0;
	u8 *va = p->vaddr;

	KUNIT_ASSERT_NOT_NULL(test, va);
	KUNIT_ASSERT_NOT_NULL(test, sgt);
	KUNIT_EXPECT_NE(test, p->shmem_handle, 0);

	KUNIT_EXPECT_PTR_EQ(test, memchr_inv(va, 0, p->length), NULL);
	/* KASAN checks that every byte is really there. */
	memset(va, 0xa5, p->length);

	for_each_sgtable_sg(sgt, sg, i)
		cpu += sg->length;
	KUNIT_EXPECT_EQ(test, cpu, p->length);

	KUNIT_EXPECT_GE(test, sgt->nents, 1);
	for_each_sgtable_dma_sg(sgt, sg, i) {
		KUNIT_EXPECT_NE(test, sg_dma_address(sg), 0);
		KUNIT_EXPECT_NE(test, sg_dma_address(sg), DMA_MAPPING_ERROR);
		KUNIT_EXPECT_GT(test, sg_dma_len(sg), 0);
		dma += sg_dma_len(sg);
	}
	KUNIT_EXPECT_EQ(test, dma, p->length);

	i = 0;
	for_each_sgtable_page(sgt, &piter, 0) {
		struct page *page = sg_page_iter_page(&piter);
		unsigned long pfn = page_to_pfn(page);

		if (i >= npages)
			break;
		KUNIT_EXPECT_PTR_EQ(test, page,
				    shmem_vaddr_page(va + i * PAGE_SIZE));
		if (!i || pfn != prev + 1)
			runs++;
		prev = pfn;
		i++;
	}
	KUNIT_EXPECT_EQ(test, i, npages);
	return runs;
}

static void shmem_test_dma_contiguous(struct kunit *test)
{
	static const size_t lengths[] = { 1, 100, PAGE_SIZE, SZ_64K + 1, SZ_1M };
	struct shmem_test *t = test->priv;
	unsigned int i;

	t->pool->budget = VMQ_SHMEM_BUDGET_MAX;
	for (i = 0; i < ARRAY_SIZE(lengths); i++) {
		struct vmq_shmem_params p = shmem_req(0, lengths[i],
						      VMQ_SHMEM_F_CONTIGUOUS);
		u32 h;

		KUNIT_ASSERT_EQ(test, vmq_shmem_alloc(t->client, &p, &h), 0);
		KUNIT_EXPECT_EQ(test, shmem_check_block(test, &p), 1);
		KUNIT_EXPECT_EQ(test, p.sgt->nents, 1);
		KUNIT_EXPECT_FALSE(test, is_vmalloc_addr(p.vaddr));
		KUNIT_EXPECT_TRUE(test, node_online(p.mem_node));
		vmq_shmem_free(t->client, h);
	}
	KUNIT_EXPECT_EQ(test, vmq_shmem_pool_occupancy(t->pool), 0);
}

static void shmem_test_dma_scattered(struct kunit *test)
{
	static const size_t lengths[] = { 1, PAGE_SIZE, 3 * PAGE_SIZE + 5,
					  SZ_64K, SZ_1M };
	struct shmem_test *t = test->priv;
	unsigned int i;

	t->pool->budget = VMQ_SHMEM_BUDGET_MAX;
	for (i = 0; i < ARRAY_SIZE(lengths); i++) {
		struct vmq_shmem_params p = shmem_req(0, lengths[i], 0);
		unsigned int runs;
		u32 h;

		p.node = first_online_node;
		KUNIT_ASSERT_EQ(test, vmq_shmem_alloc(t->client, &p, &h), 0);
		runs = shmem_check_block(test, &p);
		/* one SG entry per physically contiguous run, no more */
		KUNIT_EXPECT_EQ(test, p.sgt->orig_nents, runs);
		KUNIT_EXPECT_EQ(test, p.sgt->nents, runs);
		/* a single run needs no vmap() */
		KUNIT_EXPECT_EQ(test, is_vmalloc_addr(p.vaddr), runs > 1);
		KUNIT_EXPECT_TRUE(test, p.mem_node == NUMA_NO_NODE ||
				  node_online(p.mem_node));
		vmq_shmem_free(t->client, h);
	}
	KUNIT_EXPECT_EQ(test, vmq_shmem_pool_occupancy(t->pool), 0);
}

#define SHMEM_COMB_PAGES	256

/*
 * A large scattered block whose pages are not contiguous really has more
 * than one SG entry. Single pages only (scatter_max_order 0), and the
 * memory is combed first: allocate twice the block's pages, free every
 * other one. The freed pages go to the head of this CPU's page list, so
 * the block is built from them, and no two of them are adjacent because
 * the pages between them are still held. That is how the test makes the
 * pages non-contiguous; what it checks is the allocator's answer to it:
 * one SG entry per run, more than one run, one virtual mapping.
 */
static void shmem_test_dma_scattered_sg(struct kunit *test)
{
	struct vmq_shmem_params p = shmem_req(0, SHMEM_COMB_PAGES * PAGE_SIZE,
					      0);
	struct shmem_test *t = test->priv;
	unsigned int i, runs;
	struct page **comb;
	int err;
	u32 h;

	comb = kunit_kcalloc(test, 2 * SHMEM_COMB_PAGES, sizeof(*comb),
			     GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, comb);
	t->pool->budget = VMQ_SHMEM_BUDGET_MAX;
	t->pool->scatter_max_order = 0;

	/* Same CPU for the comb and the allocation: per-CPU page lists. */
	migrate_disable();
	for (i = 0; i < 2 * SHMEM_COMB_PAGES; i++)
		comb[i] = alloc_page(GFP_KERNEL);
	for (i = 0; i < 2 * SHMEM_COMB_PAGES; i += 2) {
		if (comb[i])
			__free_page(comb[i]);
		comb[i] = NULL;
	}
	err = vmq_shmem_alloc(t->client, &p, &h);
	migrate_enable();
	for (i = 1; i < 2 * SHMEM_COMB_PAGES; i += 2)
		if (comb[i])
			__free_page(comb[i]);
	KUNIT_ASSERT_EQ(test, err, 0);

	runs = shmem_check_block(test, &p);
	kunit_info(test, "%u pages in %u runs, %u SG entries\n",
		   SHMEM_COMB_PAGES, runs, p.sgt->nents);
	KUNIT_EXPECT_GT(test, runs, 1);
	KUNIT_EXPECT_EQ(test, p.sgt->orig_nents, runs);
	KUNIT_EXPECT_EQ(test, p.sgt->nents, runs);
	KUNIT_EXPECT_TRUE(test, is_vmalloc_addr(p.vaddr));
	vmq_shmem_free(t->client, h);
	KUNIT_EXPECT_EQ(test, vmq_shmem_pool_occupancy(t->pool), 0);
}

/* The DMA provider's blocks go through the same bookkeeping. */
static void shmem_test_dma_accounting(struct kunit *test)
{
	struct shmem_test *t = test->priv;
	struct vmq_shmem_params p;
	u32 h[2];

	p = shmem_req(1, SZ_64K, VMQ_SHMEM_F_CONTIGUOUS);
	KUNIT_ASSERT_EQ(test, vmq_shmem_alloc(t->client, &p, &h[0]), 0);
	p = shmem_req(2, SZ_64K + 1, 0);
	KUNIT_ASSERT_EQ(test, vmq_shmem_alloc(t->client, &p, &h[1]), 0);
	KUNIT_EXPECT_EQ(test, vmq_shmem_pool_occupancy(t->pool),
			vmq_shmem_units(SZ_64K) + vmq_shmem_units(SZ_64K + 1));
	KUNIT_EXPECT_EQ(test, t->pool->total.bytes, 2 * SZ_64K + 1);
	vmq_shmem_free(t->client, h[0]);
	/* the scattered one is left to the halt in exit(): a reported leak */
}

static struct kunit_case shmem_test_cases[] = {
	KUNIT_CASE(shmem_test_units),
	KUNIT_CASE(shmem_test_budget_fits),
	KUNIT_CASE(shmem_test_fault_filters),
	KUNIT_CASE(shmem_test_usage_names),
	KUNIT_CASE_PARAM(shmem_test_params, shmem_param_gen_params),
	KUNIT_CASE(shmem_test_handles),
	KUNIT_CASE(shmem_test_handles_churn),
	KUNIT_CASE(shmem_test_handle_table),
	KUNIT_CASE(shmem_test_accounting),
	KUNIT_CASE(shmem_test_budget),
	KUNIT_CASE(shmem_test_failures),
	KUNIT_CASE(shmem_test_providers),
	KUNIT_CASE(shmem_test_halt),
	KUNIT_CASE(shmem_test_dma_contiguous),
	KUNIT_CASE(shmem_test_dma_scattered),
	KUNIT_CASE(shmem_test_dma_scattered_sg),
	KUNIT_CASE(shmem_test_dma_accounting),
	{}
};

static struct kunit_suite shmem_test_suite = {
	.name = "vmqnet_shmem",
	.init = shmem_test_init,
	.exit = shmem_test_exit,
	.test_cases = shmem_test_cases,
};

kunit_test_suite(shmem_test_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
