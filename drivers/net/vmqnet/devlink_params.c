// SPDX-License-Identifier: GPL-2.0
/*
 * devlink params of the VM queues.
 *
 * Every param is driverinit: allocation complete reads the device's rx_*
 * fields, so changing them at runtime would leave queues allocated with
 * different layouts side by side, and the receive path assumes one layout
 * per queue only. A reload frees every queue and rebuilds them with the
 * new values, as NDIS re-reads its configuration at initialise.
 *
 *   lookahead_split  bool  split frames into lookahead and post-lookahead
 *                          buffers (default false)
 *   lookahead_size   u32   VMQ_LOOKAHEAD_MIN .. VMQ_LOOKAHEAD_MAX bytes
 *                          (64 .. 512, default 128)
 *   rx_buffer_size   u32   VMQ_RX_BUF_SIZE_MIN .. VMQ_RX_BUF_SIZE_MAX
 *                          bytes (1536 .. 16384, default 2048)
 *   rx_contiguous    bool  receive buffers physically contiguous
 *                          (default false: scattered)
 */

#include <net/devlink.h>

#include "compat.h"
#include "rxq.h"

enum vmq_devlink_param_id {
	VMQ_PARAM_ID_BASE = DEVLINK_PARAM_GENERIC_ID_MAX,
	VMQ_PARAM_ID_LOOKAHEAD_SPLIT,
	VMQ_PARAM_ID_LOOKAHEAD_SIZE,
	VMQ_PARAM_ID_RX_BUFFER_SIZE,
	VMQ_PARAM_ID_RX_CONTIGUOUS,
};

/* Each validate callback also keeps the value it lets through in
 * rx_next, for the reload's check where devlink keeps it out of reach
 * (VMQ_DEVLINK_DRIVERINIT_PENDING). Only a set that the core refuses after
 * validating it (a cmode the param does not have) leaves rx_next ahead of
 * devlink; vmq_devlink_params_reload_up() catches that.
 */
static int vmq_param_lookahead_split_validate(struct devlink *devlink, u32 id,
					      union devlink_param_value val,
					      struct netlink_ext_ack *extack)
{
	struct vmq_dev *vdev = devlink_priv(devlink);

	vdev->rx_next.lookahead_split = val.vbool;
	return 0;
}

static int vmq_param_lookahead_size_validate(struct devlink *devlink, u32 id,
					     union devlink_param_value val,
					     struct netlink_ext_ack *extack)
{
	struct vmq_dev *vdev = devlink_priv(devlink);

	if (val.vu32 < VMQ_LOOKAHEAD_MIN || val.vu32 > VMQ_LOOKAHEAD_MAX) {
		NL_SET_ERR_MSG_MOD(extack,
				   "lookahead_size must be 64 .. 512 bytes");
		return -ERANGE;
	}
	vdev->rx_next.lookahead_size = val.vu32;
	return 0;
}

static int vmq_param_rx_buffer_size_validate(struct devlink *devlink, u32 id,
					     union devlink_param_value val,
					     struct netlink_ext_ack *extack)
{
	struct vmq_dev *vdev = devlink_priv(devlink);

	if (val.vu32 < VMQ_RX_BUF_SIZE_MIN || val.vu32 > VMQ_RX_BUF_SIZE_MAX) {
		NL_SET_ERR_MSG_MOD(extack,
				   "rx_buffer_size must be 1536 .. 16384 bytes");
		return -ERANGE;
	}
	vdev->rx_next.buffer_size = val.vu32;
	return 0;
}

static int vmq_param_rx_contiguous_validate(struct devlink *devlink, u32 id,
					    union devlink_param_value val,
					    struct netlink_ext_ack *extack)
{
	struct vmq_dev *vdev = devlink_priv(devlink);

	vdev->rx_next.contiguous = val.vbool;
	return 0;
}

static const struct devlink_param vmq_devlink_params[] = {
	DEVLINK_PARAM_DRIVER(VMQ_PARAM_ID_LOOKAHEAD_SPLIT, "lookahead_split",
			     DEVLINK_PARAM_TYPE_BOOL,
			     BIT(DEVLINK_PARAM_CMODE_DRIVERINIT),
			     NULL, NULL, vmq_param_lookahead_split_validate),
	DEVLINK_PARAM_DRIVER(VMQ_PARAM_ID_LOOKAHEAD_SIZE, "lookahead_size",
			     DEVLINK_PARAM_TYPE_U32,
			     BIT(DEVLINK_PARAM_CMODE_DRIVERINIT),
			     NULL, NULL, vmq_param_lookahead_size_validate),
	DEVLINK_PARAM_DRIVER(VMQ_PARAM_ID_RX_BUFFER_SIZE, "rx_buffer_size",
			     DEVLINK_PARAM_TYPE_U32,
			     BIT(DEVLINK_PARAM_CMODE_DRIVERINIT),
			     NULL, NULL, vmq_param_rx_buffer_size_validate),
	DEVLINK_PARAM_DRIVER(VMQ_PARAM_ID_RX_CONTIGUOUS, "rx_contiguous",
			     DEVLINK_PARAM_TYPE_BOOL,
			     BIT(DEVLINK_PARAM_CMODE_DRIVERINIT),
			     NULL, NULL, vmq_param_rx_contiguous_validate),
};

/* The driverinit values start from what the device runs with. */
static void vmq_params_values_set(struct vmq_dev *vdev)
{
	struct devlink *devlink = priv_to_devlink(vdev);
	union devlink_param_value v;

	vdev->rx_next.lookahead_split = vdev->rx_lookahead_split;
	vdev->rx_next.lookahead_size = vdev->rx_lookahead_size;
	vdev->rx_next.buffer_size = vdev->rx_buffer_size;
	vdev->rx_next.contiguous = vdev->rx_contiguous;

	v.vbool = vdev->rx_lookahead_split;
	vmq_devl_param_driverinit_set(devlink, VMQ_PARAM_ID_LOOKAHEAD_SPLIT, v);
	v.vu32 = vdev->rx_lookahead_size;
	vmq_devl_param_driverinit_set(devlink, VMQ_PARAM_ID_LOOKAHEAD_SIZE, v);
	v.vu32 = vdev->rx_buffer_size;
	vmq_devl_param_driverinit_set(devlink, VMQ_PARAM_ID_RX_BUFFER_SIZE, v);
	v.vbool = vdev->rx_contiguous;
	vmq_devl_param_driverinit_set(devlink, VMQ_PARAM_ID_RX_CONTIGUOUS, v);
}

/* The layout devlink's driverinit values give a default queue,
 * @m->la_size set even without the split (@split false), or what the
 * device runs with where one cannot be read.
 */
static void vmq_params_values_devlink(struct vmq_dev *vdev,
				      struct vmq_rxq_mem *m, bool *split)
{
	struct devlink *devlink = priv_to_devlink(vdev);
	union devlink_param_value v;

	*m = (struct vmq_rxq_mem){
		.nbufs = VMQ_RX_BUFS_DEFAULT,
		.buf_size = vdev->rx_buffer_size,
		.la_size = vdev->rx_lookahead_size,
		.contiguous = vdev->rx_contiguous,
	};
	*split = vdev->rx_lookahead_split;
	if (!vmq_devl_param_driverinit_get(devlink,
					   VMQ_PARAM_ID_LOOKAHEAD_SPLIT, &v))
		*split = v.vbool;
	if (!vmq_devl_param_driverinit_get(devlink,
					   VMQ_PARAM_ID_LOOKAHEAD_SIZE, &v))
		m->la_size = v.vu32;
	if (!vmq_devl_param_driverinit_get(devlink,
					   VMQ_PARAM_ID_RX_BUFFER_SIZE, &v))
		m->buf_size = v.vu32;
	if (!vmq_devl_param_driverinit_get(devlink,
					   VMQ_PARAM_ID_RX_CONTIGUOUS, &v))
		m->contiguous = v.vbool;
}

/* The layout the next reload gives a default queue: devlink's values
 * where they are already the new ones, else those the validate callbacks
 * kept.
 */
static void vmq_params_values_next(struct vmq_dev *vdev,
				   struct vmq_rxq_mem *m, bool *split)
{
	if (!VMQ_DEVLINK_DRIVERINIT_PENDING) {
		vmq_params_values_devlink(vdev, m, split);
		return;
	}
	*m = (struct vmq_rxq_mem){
		.nbufs = VMQ_RX_BUFS_DEFAULT,
		.buf_size = vdev->rx_next.buffer_size,
		.la_size = vdev->rx_next.lookahead_size,
		.contiguous = vdev->rx_next.contiguous,
	};
	*split = vdev->rx_next.lookahead_split;
}

/**
 * vmq_devlink_params_init() - register the params
 * @vdev: the device, devlink instance locked and not registered yet
 *
 * Return: 0 or a negative errno, with nothing registered.
 */
int vmq_devlink_params_init(struct vmq_dev *vdev)
{
	int err;

	err = vmq_devl_params_register(priv_to_devlink(vdev),
				       vmq_devlink_params,
				       ARRAY_SIZE(vmq_devlink_params));
	if (err)
		return err;
	vmq_params_values_set(vdev);
	return 0;
}

/**
 * vmq_devlink_params_fini() - unregister what vmq_devlink_params_init() did
 * @vdev: the device, devlink instance locked
 */
void vmq_devlink_params_fini(struct vmq_dev *vdev)
{
	struct devlink *devlink = priv_to_devlink(vdev);

	vmq_devl_params_unregister(devlink, vmq_devlink_params,
				   ARRAY_SIZE(vmq_devlink_params));
}

/**
 * vmq_devlink_params_shmem_need() - shared memory the ports need at reload
 * @vdev: the device, devlink instance locked
 *
 * The ports' default queues come back with the new params, and
 * vmq_devlink_res_reload_check() must find room for them in the new
 * shared_memory size.
 *
 * Return: their shared memory units with the driverinit values.
 */
u64 vmq_devlink_params_shmem_need(struct vmq_dev *vdev)
{
	struct vmq_rxq_mem m;
	bool split;

	vmq_params_values_next(vdev, &m, &split);
	if (!split)
		m.la_size = 0;
	vmq_rxq_mem_plan(vdev, &m);
	return vdev->bdev->ports * vmq_rxq_mem_units(&m);
}

/**
 * vmq_devlink_params_reload_up() - apply the driverinit values
 * @vdev: the device, devlink instance locked, no ports
 * @extack: for the reason they were not applied
 *
 * The queues the ports create from now on use the new params: those the
 * reload's check saw. If devlink holds others (a set refused after its
 * validate callback, VMQ_DEVLINK_DRIVERINIT_PENDING only), no check has
 * seen those: the device keeps the values it ran with, and devlink is
 * told them again.
 *
 * Return: 0, or -EAGAIN with @extack set when the values were not applied.
 */
int vmq_devlink_params_reload_up(struct vmq_dev *vdev,
				 struct netlink_ext_ack *extack)
{
	struct vmq_rxq_mem m, checked;
	bool split, checked_split;

	vmq_params_values_devlink(vdev, &m, &split);
	vmq_params_values_next(vdev, &checked, &checked_split);
	if (split != checked_split || m.la_size != checked.la_size ||
	    m.buf_size != checked.buf_size ||
	    m.contiguous != checked.contiguous) {
		vmq_params_values_set(vdev);
		NL_SET_ERR_MSG_MOD(extack,
				   "driverinit params differ from those the reload checked; the running ones are kept");
		return -EAGAIN;
	}
	vdev->rx_lookahead_split = split;
	vdev->rx_lookahead_size = m.la_size;
	vdev->rx_buffer_size = m.buf_size;
	vdev->rx_contiguous = m.contiguous;
	return 0;
}
