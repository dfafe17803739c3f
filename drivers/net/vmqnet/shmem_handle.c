// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation handles of the shared memory pool: a slot table.
 *
 * A handle is (generation << VMQ_SHMEM_SLOT_BITS) | slot, never a pointer,
 * so a stale or made-up handle is looked up and reported, never
 * dereferenced. Each slot holds a block pointer and the generation of the
 * handle that names it now; freeing a block bumps its slot's generation, so
 * the old handle no longer matches. Free slots are reused in FIFO order:
 * a slot comes back only after every other free slot has been used. The
 * table grows before fewer than VMQ_SHMEM_SLOTS_MIN slots are free (up to
 * its limit), so however many blocks are live, a handle value comes back
 * only after its slot has gone through every generation, at least
 * VMQ_SHMEM_SLOTS_MIN * VMQ_SHMEM_GEN_MAX frees later. That is what makes
 * a double free find nothing instead of freeing the caller's new block.
 *
 * This replaced a cyclic xarray: allocation, lookup and free are now a few
 * array accesses instead of three tree walks under a spinlock plus a node
 * allocated and RCU-freed every 64 handles, which was most of the
 * bookkeeping cost of a 4 KiB allocate/free pair. Everything here runs
 * under the pool lock.
 */

#include <linux/bits.h>
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "shmem_pool.h"

/**
 * vmq_shmem_handles_init() - an empty handle table
 * @t: the table
 * @max_slots: most blocks it can name at once, 1 .. VMQ_SHMEM_SLOTS_MAX
 *	(tests use a small one)
 */
void vmq_shmem_handles_init(struct vmq_shmem_handles *t, u32 max_slots)
{
	memset(t, 0, sizeof(*t));
	t->max = clamp_t(u32, max_slots, 1, VMQ_SHMEM_SLOTS_MAX);
	t->free_head = VMQ_SHMEM_SLOT_NONE;
	t->free_tail = VMQ_SHMEM_SLOT_NONE;
}
EXPORT_SYMBOL_IF_KUNIT(vmq_shmem_handles_init);

/**
 * vmq_shmem_handles_destroy() - free a table's memory
 * @t: the table; the blocks it names are the caller's
 */
void vmq_shmem_handles_destroy(struct vmq_shmem_handles *t)
{
	kvfree(t->slots);
	t->slots = NULL;
	t->nr = 0;
}
EXPORT_SYMBOL_IF_KUNIT(vmq_shmem_handles_destroy);

static void vmq_shmem_slot_push(struct vmq_shmem_handles *t, u32 slot)
{
	t->slots[slot].next_free = VMQ_SHMEM_SLOT_NONE;
	if (t->free_tail == VMQ_SHMEM_SLOT_NONE)
		t->free_head = slot;
	else
		t->slots[t->free_tail].next_free = slot;
	t->free_tail = slot;
	t->nr_free++;
}

/* Double the table (up to its limit); the new slots join the free FIFO. */
static int vmq_shmem_handles_grow(struct vmq_shmem_handles *t)
{
	u32 nr = min(max(2 * t->nr, (u32)VMQ_SHMEM_SLOTS_MIN), t->max), i;
	struct vmq_shmem_slot *slots;

	if (nr <= t->nr)
		return -EBUSY;
	slots = kvmalloc_array(nr, sizeof(*slots), GFP_KERNEL);
	if (!slots)
		return -ENOMEM;
	if (t->nr)
		memcpy(slots, t->slots, t->nr * sizeof(*slots));
	kvfree(t->slots);
	t->slots = slots;
	for (i = t->nr; i < nr; i++) {
		slots[i].blk = NULL;
		slots[i].gen = 1;
		vmq_shmem_slot_push(t, i);
	}
	t->nr = nr;
	return 0;
}

/**
 * vmq_shmem_handle_new() - name a block
 * @t: the table
 * @blk: the block
 *
 * Return: the new handle (never 0), -EBUSY if @t->max blocks are named
 * already, or -ENOMEM.
 */
int vmq_shmem_handle_new(struct vmq_shmem_handles *t,
			 struct vmq_shmem_block *blk)
{
	struct vmq_shmem_slot *s;
	u32 slot;
	int err;

	/* Where the table cannot grow, a slot's generations come round
	 * sooner; a table with a free slot still names the block.
	 */
	if (t->nr_free < VMQ_SHMEM_SLOTS_MIN) {
		err = vmq_shmem_handles_grow(t);
		if (err && !t->nr_free)
			return err;
	}
	slot = t->free_head;
	s = &t->slots[slot];
	t->free_head = s->next_free;
	t->nr_free--;
	if (t->free_head == VMQ_SHMEM_SLOT_NONE)
		t->free_tail = VMQ_SHMEM_SLOT_NONE;
	s->blk = blk;
	return s->gen << VMQ_SHMEM_SLOT_BITS | slot;
}
EXPORT_SYMBOL_IF_KUNIT(vmq_shmem_handle_new);

/**
 * vmq_shmem_handle_find() - the block a handle names
 * @t: the table
 * @handle: any value
 *
 * Return: the block, or NULL for a handle that is free, stale or was never
 * handed out.
 */
struct vmq_shmem_block *
vmq_shmem_handle_find(const struct vmq_shmem_handles *t, u32 handle)
{
	u32 slot = handle & VMQ_SHMEM_SLOT_MASK;
	const struct vmq_shmem_slot *s;

	if (slot >= t->nr)
		return NULL;
	s = &t->slots[slot];
	if (!s->blk || s->gen != handle >> VMQ_SHMEM_SLOT_BITS)
		return NULL;
	return s->blk;
}
EXPORT_SYMBOL_IF_KUNIT(vmq_shmem_handle_find);

/**
 * vmq_shmem_handle_release() - forget a handle that names a block
 * @t: the table
 * @handle: a handle vmq_shmem_handle_find() found a block for
 */
void vmq_shmem_handle_release(struct vmq_shmem_handles *t, u32 handle)
{
	u32 slot = handle & VMQ_SHMEM_SLOT_MASK;
	struct vmq_shmem_slot *s = &t->slots[slot];

	s->blk = NULL;
	s->gen = s->gen == VMQ_SHMEM_GEN_MAX ? 1 : s->gen + 1;
	vmq_shmem_slot_push(t, slot);
}
EXPORT_SYMBOL_IF_KUNIT(vmq_shmem_handle_release);

/**
 * vmq_shmem_handles_next() - the first live block at or after a slot
 * @t: the table
 * @slot: where to start; set to the block's slot
 *
 * Return: the block, or NULL if there is none.
 */
struct vmq_shmem_block *
vmq_shmem_handles_next(const struct vmq_shmem_handles *t, u32 *slot)
{
	for (; *slot < t->nr; (*slot)++)
		if (t->slots[*slot].blk)
			return t->slots[*slot].blk;
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(vmq_shmem_handles_next);
