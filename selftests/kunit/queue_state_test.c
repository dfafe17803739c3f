// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the VM queue state machine (drivers/net/vmqnet/
 * queue_state.c): the whole table of state x event, so that a transition
 * nobody thought of cannot slip in.
 */

#include <kunit/test.h>
#include <linux/module.h>

#include "queue_state.h"

#define VMQ_NSTATES	(VMQ_QS_FREEING + 1)
#define VMQ_NEVENTS	(VMQ_QE_RESTART + 1)
/* An illegal cell: the errno it must fail with, as a negative "state". */
#define BUSY		(-EBUSY)
#define INVAL		(-EINVAL)

/* Rows are states, columns events, in enum order. */
#define ROW(ac, fs, fc, fr, bb, fd, al, ht, rs) \
	{ ac, fs, fc, fr, bb, fd, al, ht, rs }

static const int vmq_expected[VMQ_NSTATES][VMQ_NEVENTS] = {
	/* ALLOC_COMPLETE, FILTER_SET, FILTER_CLEARED, FREE, BUFFERS_BACK,
	 * FREED, ALLOC, HALT, RESTART
	 */
	[VMQ_QS_UNDEFINED] = ROW(INVAL, INVAL, INVAL, INVAL, INVAL, INVAL,
				 VMQ_QS_ALLOCATED, INVAL, INVAL),
	[VMQ_QS_ALLOCATED] = ROW(VMQ_QS_PAUSED, VMQ_QS_SET, INVAL,
				 VMQ_QS_DMA_STOPPED, INVAL, INVAL, BUSY,
				 VMQ_QS_DMA_STOPPED, INVAL),
	[VMQ_QS_SET] = ROW(VMQ_QS_RUNNING, VMQ_QS_SET, VMQ_QS_ALLOCATED, BUSY,
			   INVAL, INVAL, BUSY, VMQ_QS_DMA_STOPPED, INVAL),
	[VMQ_QS_RUNNING] = ROW(INVAL, VMQ_QS_RUNNING, VMQ_QS_PAUSED, BUSY,
			       INVAL, INVAL, BUSY, VMQ_QS_DMA_STOPPED,
			       VMQ_QS_RUNNING),
	[VMQ_QS_PAUSED] = ROW(INVAL, VMQ_QS_RUNNING, INVAL, VMQ_QS_DMA_STOPPED,
			      INVAL, INVAL, BUSY, VMQ_QS_DMA_STOPPED, INVAL),
	[VMQ_QS_DMA_STOPPED] = ROW(BUSY, BUSY, BUSY, BUSY, VMQ_QS_FREEING, BUSY,
				   BUSY, BUSY, BUSY),
	[VMQ_QS_FREEING] = ROW(BUSY, BUSY, BUSY, BUSY, BUSY, VMQ_QS_UNDEFINED,
			       BUSY, BUSY, BUSY),
};

static void vmq_qs_table(struct kunit *test)
{
	enum vmq_queue_state next;
	const char *why;
	int s, e, ret;

	for (s = 0; s < VMQ_NSTATES; s++) {
		for (e = 0; e < VMQ_NEVENTS; e++) {
			int want = vmq_expected[s][e];

			next = VMQ_QS_FREEING + 1;
			why = NULL;
			ret = vmq_queue_next_state(s, e, &next, &why);
			if (want < 0) {
				KUNIT_EXPECT_EQ_MSG(test, ret, want,
						    "state %s event %d",
						    vmq_queue_state_name(s), e);
				KUNIT_EXPECT_NOT_NULL(test, why);
				/* A refused request leaves the state alone. */
				KUNIT_EXPECT_EQ(test, (int)next,
						VMQ_QS_FREEING + 1);
			} else {
				KUNIT_EXPECT_EQ_MSG(test, ret, 0,
						    "state %s event %d: %s",
						    vmq_queue_state_name(s), e,
						    why ? why : "");
				KUNIT_EXPECT_EQ_MSG(test, (int)next, want,
						    "state %s event %d",
						    vmq_queue_state_name(s), e);
			}
		}
	}
}

/* The NDIS life of a queue, start to end, with a filter set and cleared. */
static void vmq_qs_lifecycle(struct kunit *test)
{
	static const enum vmq_queue_event evs[] = {
		VMQ_QE_ALLOC, VMQ_QE_FILTER_SET, VMQ_QE_ALLOC_COMPLETE, VMQ_QE_FILTER_SET,
		VMQ_QE_FILTER_CLEARED, VMQ_QE_FREE, VMQ_QE_BUFFERS_BACK,
		VMQ_QE_FREED,
	};
	static const enum vmq_queue_state states[] = {
		VMQ_QS_ALLOCATED, VMQ_QS_SET, VMQ_QS_RUNNING, VMQ_QS_RUNNING, VMQ_QS_PAUSED,
		VMQ_QS_DMA_STOPPED, VMQ_QS_FREEING, VMQ_QS_UNDEFINED,
	};
	enum vmq_queue_state s = VMQ_QS_UNDEFINED;
	const char *why;
	int i;

	for (i = 0; i < ARRAY_SIZE(evs); i++) {
		KUNIT_ASSERT_EQ(test, vmq_queue_next_state(s, evs[i], &s, &why), 0);
		KUNIT_EXPECT_EQ(test, s, states[i]);
	}
}

static void vmq_qs_names(struct kunit *test)
{
	KUNIT_EXPECT_STREQ(test, vmq_queue_state_name(VMQ_QS_RUNNING), "running");
	KUNIT_EXPECT_STREQ(test, vmq_queue_state_name(VMQ_QS_DMA_STOPPED),
			   "dma-stopped");
	KUNIT_EXPECT_STREQ(test, vmq_queue_state_name(VMQ_QS_FREEING + 1),
			   "invalid");
}

static struct kunit_case vmq_queue_state_cases[] = {
	KUNIT_CASE(vmq_qs_table),
	KUNIT_CASE(vmq_qs_lifecycle),
	KUNIT_CASE(vmq_qs_names),
	{}
};

static struct kunit_suite vmq_queue_state_suite = {
	.name = "vmqnet_queue_state",
	.test_cases = vmq_queue_state_cases,
};

kunit_test_suite(vmq_queue_state_suite);
