// SPDX-License-Identifier: GPL-2.0
/*
 * The device's devlink resources, both budgets that take a new size at
 * reload:
 *
 *   shared_memory  the shared memory pool's budget, in 4 KiB units
 *                  (shmem.c charges each block its pages)
 *   vm_queues      the NumQueues capability as a budget: VM queues (rings
 *                  >= 1 of every port) the device may have allocated at
 *                  once; default queues are not counted, as they always
 *                  exist
 *
 * Occupancy is what is held now. A reload checks both new sizes before
 * anything is torn down, so that a refused reload changes nothing.
 */

#include <net/devlink.h>

#include "rxq.h"

enum {
	VMQ_RES_SHARED_MEMORY = 1,
	VMQ_RES_VM_QUEUES,
};

/**
 * vmq_vm_queues_occupancy() - VM queues allocated now
 * @vdev: the device
 *
 * Every existing queue minus the default queue of each port: the pool's
 * queue ID bitmap is the one record of which queues exist.
 *
 * Context: any; a racy snapshot unless RTNL is held.
 * Return: the number of VM queues from vmq_queue_alloc() to vmq_queue_free().
 */
u32 vmq_vm_queues_occupancy(struct vmq_dev *vdev)
{
	u32 n = bitmap_weight(vdev->rx_queues, VMQ_PORTS_MAX * VMQ_QUEUES_MAX);
	unsigned int i;

	for (i = 0; i < VMQ_PORTS_MAX; i++)
		n -= test_bit(vmq_queue_shmem_id(i, 0), vdev->rx_queues);
	return n;
}

static u64 vmq_vm_queues_occ_get(void *priv)
{
	return vmq_vm_queues_occupancy(priv);
}

static u64 vmq_shmem_occ_get(void *priv)
{
	return vmq_shmem_pool_occupancy(priv);
}

/**
 * vmq_devlink_res_init() - register the resources and their occupancy
 * @vdev: the device, devlink instance locked, its pool created
 *
 * Return: 0 or a negative errno, with nothing registered.
 */
int vmq_devlink_res_init(struct vmq_dev *vdev)
{
	struct devlink_resource_size_params shmem_size = {
		.size_min = 0,
		.size_max = VMQ_SHMEM_BUDGET_MAX,
		.size_granularity = 1,
		.unit = DEVLINK_RESOURCE_UNIT_ENTRY,
	};
	struct devlink_resource_size_params queues_size = {
		.size_min = 0,
		.size_max = VMQ_VM_QUEUES_MAX,
		.size_granularity = 1,
		.unit = DEVLINK_RESOURCE_UNIT_ENTRY,
	};
	struct devlink *devlink = priv_to_devlink(vdev);
	int err;

	vdev->vm_queues_max = VMQ_VM_QUEUES_MAX;
	vdev->vm_queues_next = VMQ_VM_QUEUES_MAX;
	err = devl_resource_register(devlink, "shared_memory",
				     VMQ_SHMEM_BUDGET_DEFAULT,
				     VMQ_RES_SHARED_MEMORY,
				     DEVLINK_RESOURCE_ID_PARENT_TOP,
				     &shmem_size);
	if (err)
		return err;
	err = devl_resource_register(devlink, "vm_queues", vdev->vm_queues_max,
				     VMQ_RES_VM_QUEUES,
				     DEVLINK_RESOURCE_ID_PARENT_TOP,
				     &queues_size);
	if (err) {
		devl_resources_unregister(devlink);
		return err;
	}
	devl_resource_occ_get_register(devlink, VMQ_RES_SHARED_MEMORY,
				       vmq_shmem_occ_get, vdev->shmem);
	devl_resource_occ_get_register(devlink, VMQ_RES_VM_QUEUES,
				       vmq_vm_queues_occ_get, vdev);
	return 0;
}

/**
 * vmq_devlink_res_fini() - unregister what vmq_devlink_res_init() did
 * @vdev: the device, devlink instance locked
 */
void vmq_devlink_res_fini(struct vmq_dev *vdev)
{
	struct devlink *devlink = priv_to_devlink(vdev);

	devl_resource_occ_get_unregister(devlink, VMQ_RES_VM_QUEUES);
	devl_resource_occ_get_unregister(devlink, VMQ_RES_SHARED_MEMORY);
	devl_resources_unregister(devlink);
}

/**
 * vmq_devlink_res_reload_check() - may a reload go on with the new sizes?
 * @vdev: the device, devlink instance locked, ports still in place
 * @shmem_need: shared memory units the ports' default queues take right
 *	after the reload (vmq_devlink_params_shmem_need())
 * @extack: for the reason of a refusal
 *
 * The ports come back with the queue count the device was created with,
 * and each of those VM queues must fit in vm_queues; their default queues
 * and what other clients hold must fit in shared_memory
 * (vmq_shmem_reload_check(), which from then on refuses allocations until
 * the reload is done).
 *
 * Return: 0, or -ENOSPC or -EBUSY with @extack set.
 */
int vmq_devlink_res_reload_check(struct vmq_dev *vdev, u64 shmem_need,
				 struct netlink_ext_ack *extack)
{
	u32 need = vdev->bdev->ports * (vdev->bdev->queues - 1);
	struct devlink *devlink = priv_to_devlink(vdev);
	u64 queues, shmem;

	if (devl_resource_size_get(devlink, VMQ_RES_VM_QUEUES, &queues))
		queues = vdev->vm_queues_max;
	if (queues < need) {
		NL_SET_ERR_MSG_MOD(extack,
				   "vm_queues: new size is below the VM queues the ports are created with; reload refused");
		return -ENOSPC;
	}
	if (devl_resource_size_get(devlink, VMQ_RES_SHARED_MEMORY, &shmem))
		shmem = vmq_shmem_pool_budget(vdev->shmem);
	vdev->vm_queues_next = queues;
	return vmq_shmem_reload_check(vdev->shmem, shmem, shmem_need, extack);
}

/**
 * vmq_devlink_res_reload_up() - apply the new vm_queues size
 * @vdev: the device, devlink instance locked, no ports
 *
 * The queues the ports create from now on count against it. The pool
 * applies its own new size in vmq_shmem_reload_up().
 */
void vmq_devlink_res_reload_up(struct vmq_dev *vdev)
{
	vdev->vm_queues_max = vdev->vm_queues_next;
}
