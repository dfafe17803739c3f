// SPDX-License-Identifier: GPL-2.0
/*
 * devlink operations of a vmqnet device.
 *
 * Reload (driver_reinit) is the NDIS halt / re-initialise cycle: every port
 * and its netdev goes away and comes back, in the devlink instance's
 * (possibly new) network namespace. The core calls both halves with the
 * instance lock held.
 */

#include <linux/device.h>
#include <net/devlink.h>

#include "compat.h"
#include "shmem_pool.h"
#include "vmqnet.h"

static int vmq_devlink_info_get(struct devlink *devlink,
				struct devlink_info_req *req,
				struct netlink_ext_ack *extack)
{
	struct vmq_dev *vdev = devlink_priv(devlink);
	int err;

	err = vmq_devlink_info_driver_name_put(req, VMQ_DRV_NAME);
	if (err)
		return err;
	/* A simulated device: its bus name is unique, so it is the serial. */
	return devlink_info_serial_number_put(req, dev_name(&vdev->bdev->dev));
}

static int vmq_devlink_reload_down(struct devlink *devlink, bool netns_change,
				   enum devlink_reload_action action,
				   enum devlink_reload_limit limit,
				   struct netlink_ext_ack *extack)
{
	struct vmq_dev *vdev = devlink_priv(devlink);
	int err;

	/* Every check before anything is torn down: a refused reload must
	 * leave the ports, their links, filters, uppers and settings as
	 * they are. Then the ports go first: their queues stop DMA and free
	 * their shared memory in NDIS order before the pool halts, which
	 * would free it under them (and call it leaked).
	 */
	err = vmq_devlink_res_reload_check(vdev,
					   vmq_devlink_params_shmem_need(vdev),
					   extack);
	if (err)
		return err;
	vmq_dev_ports_del(vdev);
	vmq_shmem_reload_down(vdev->shmem);
	return 0;
}

static int vmq_devlink_reload_up(struct devlink *devlink,
				 enum devlink_reload_action action,
				 enum devlink_reload_limit limit,
				 u32 *actions_performed,
				 struct netlink_ext_ack *extack)
{
	struct vmq_dev *vdev = devlink_priv(devlink);
	int err, params_err;

	vmq_shmem_reload_up(vdev->shmem);
	vmq_devlink_res_reload_up(vdev);
	/* The default queues are rebuilt with the new driverinit values, or
	 * with the running ones if those are not what reload_down checked:
	 * either way the ports come back.
	 */
	params_err = vmq_devlink_params_reload_up(vdev, extack);
	err = vmq_dev_ports_add(vdev);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack, "Failed to re-create the ports");
		return err;
	}
	if (params_err)
		return params_err;
	*actions_performed = BIT(DEVLINK_RELOAD_ACTION_DRIVER_REINIT);
	return 0;
}

const struct devlink_ops vmq_devlink_ops = {
	.reload_actions		= BIT(DEVLINK_RELOAD_ACTION_DRIVER_REINIT),
	.reload_down		= vmq_devlink_reload_down,
	.reload_up		= vmq_devlink_reload_up,
	.info_get		= vmq_devlink_info_get,
};
