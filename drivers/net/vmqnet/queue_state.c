// SPDX-License-Identifier: GPL-2.0
/*
 * The VM queue state machine of NDIS, as a pure function so that every
 * legal and illegal transition is testable on its own.
 *
 *   ALLOC_COMPLETE  Allocated -> Paused, Set -> Running
 *   FILTER_SET      Allocated/Set -> Set, Running/Paused -> Running
 *   FILTER_CLEARED  (the last one) Set -> Allocated, Running -> Paused
 *   FREE            Allocated/Paused -> DMA stopped (no filters left)
 *   BUFFERS_BACK    DMA stopped -> Freeing
 *   FREED           Freeing -> Undefined
 *   ALLOC           Undefined -> Allocated
 *   HALT            Allocated/Set/Running/Paused -> DMA stopped, filters or
 *                   not: the port goes, and takes every queue with it
 *   RESTART         Running -> Running: the queue's memory is replaced
 *                   (stop DMA, drain, swap, start), as 6.12's
 *                   netdev_queue_mgmt_ops do it; only a queue that
 *                   receives, never one that has no memory yet (Allocated,
 *                   Set) or whose last filter is gone (Paused): FREE_QUEUE
 *                   is all that NDIS lets happen to the latter's memory
 *
 * Receives are indicated only in Running: a queue without filters, or
 * without its shared memory, holds no frames.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <kunit/visibility.h>

#include "queue_state.h"

static const char * const vmq_queue_state_names[] = {
	[VMQ_QS_UNDEFINED] = "undefined",
	[VMQ_QS_ALLOCATED] = "allocated",
	[VMQ_QS_SET] = "set",
	[VMQ_QS_RUNNING] = "running",
	[VMQ_QS_PAUSED] = "paused",
	[VMQ_QS_DMA_STOPPED] = "dma-stopped",
	[VMQ_QS_FREEING] = "freeing",
};

/**
 * vmq_queue_state_name() - printable name of a queue state
 * @state: the state
 *
 * Return: a static string.
 */
const char *vmq_queue_state_name(enum vmq_queue_state state)
{
	if (state >= ARRAY_SIZE(vmq_queue_state_names))
		return "invalid";
	return vmq_queue_state_names[state];
}
EXPORT_SYMBOL_IF_KUNIT(vmq_queue_state_name);

/**
 * vmq_queue_next_state() - where an event takes a queue
 * @cur: the queue's state
 * @ev: the event
 * @next: receives the new state on success
 * @why: receives the reason on failure
 *
 * Return: 0, -EBUSY when the queue is in a state that forbids the request
 * for now (it has filters, or it is being freed), or -EINVAL when the
 * request makes no sense in @cur.
 */
int vmq_queue_next_state(enum vmq_queue_state cur, enum vmq_queue_event ev,
			 enum vmq_queue_state *next, const char **why)
{
	enum vmq_queue_state n = VMQ_QS_UNDEFINED;

	if (cur == VMQ_QS_DMA_STOPPED || cur == VMQ_QS_FREEING) {
		if (cur == VMQ_QS_DMA_STOPPED && ev == VMQ_QE_BUFFERS_BACK)
			n = VMQ_QS_FREEING;
		else if (cur == VMQ_QS_FREEING && ev == VMQ_QE_FREED)
			n = VMQ_QS_UNDEFINED;
		else
			goto busy;
		goto out;
	}

	if (cur == VMQ_QS_UNDEFINED) {
		if (ev != VMQ_QE_ALLOC)
			goto invalid;
		n = VMQ_QS_ALLOCATED;
		goto out;
	}

	switch (ev) {
	case VMQ_QE_ALLOC:
		*why = "queue exists";
		return -EBUSY;
	case VMQ_QE_HALT:
		n = VMQ_QS_DMA_STOPPED;
		break;
	case VMQ_QE_RESTART:
		if (cur == VMQ_QS_RUNNING) {
			n = VMQ_QS_RUNNING;
			break;
		}
		*why = cur == VMQ_QS_PAUSED ?
		       "queue is paused: it has no filter and receives nothing" :
		       "queue has no shared memory yet";
		return -EINVAL;
	case VMQ_QE_ALLOC_COMPLETE:
		if (cur == VMQ_QS_ALLOCATED)
			n = VMQ_QS_PAUSED;
		else if (cur == VMQ_QS_SET)
			n = VMQ_QS_RUNNING;
		else
			goto invalid;
		break;
	case VMQ_QE_FILTER_SET:
		if (cur == VMQ_QS_ALLOCATED || cur == VMQ_QS_SET)
			n = VMQ_QS_SET;
		else if (cur == VMQ_QS_RUNNING || cur == VMQ_QS_PAUSED)
			n = VMQ_QS_RUNNING;
		else
			goto invalid;
		break;
	case VMQ_QE_FILTER_CLEARED:
		if (cur == VMQ_QS_SET)
			n = VMQ_QS_ALLOCATED;
		else if (cur == VMQ_QS_RUNNING)
			n = VMQ_QS_PAUSED;
		else
			goto invalid;
		break;
	case VMQ_QE_FREE:
		if (cur == VMQ_QS_SET || cur == VMQ_QS_RUNNING) {
			*why = "queue still has filters";
			return -EBUSY;
		}
		if (cur != VMQ_QS_ALLOCATED && cur != VMQ_QS_PAUSED)
			goto invalid;
		n = VMQ_QS_DMA_STOPPED;
		break;
	default:
		goto invalid;
	}
out:
	*next = n;
	return 0;
busy:
	*why = "queue is being freed";
	return -EBUSY;
invalid:
	*why = "request not valid in the queue's state";
	return -EINVAL;
}
EXPORT_SYMBOL_IF_KUNIT(vmq_queue_next_state);
