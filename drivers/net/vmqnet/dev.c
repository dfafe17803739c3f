// SPDX-License-Identifier: GPL-2.0
/*
 * Driver side of a vmqnet device: probe and remove, and the ports.
 *
 * Everything below the devlink instance (ports, their netdevs, their
 * debugfs) is created and destroyed under the devlink instance lock, the
 * same lock devlink reload holds, so reload can reuse the port helpers.
 * The port list also changes under RTNL, so that a reader that cannot
 * take the instance lock (the health dump, see health.c) can walk it.
 */

#include <linux/device.h>
#include <linux/list.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/devlink.h>

#include "compat.h"
#include "rxq.h"

static int vmq_port_add(struct vmq_dev *vdev, unsigned int index)
{
	struct devlink *devlink = priv_to_devlink(vdev);
	struct devlink_port_attrs attrs = {};
	struct vmq_port *port;
	int err;

	port = kzalloc(sizeof(*port), GFP_KERNEL);
	if (!port)
		return -ENOMEM;
	port->vdev = vdev;
	port->index = index;

	attrs.flavour = DEVLINK_PORT_FLAVOUR_PHYSICAL;
	attrs.phys.port_number = index;
	devlink_port_attrs_set(&port->devlink_port, &attrs);
	err = devl_port_register(devlink, &port->devlink_port, index);
	if (err)
		goto err_free;

	err = vmq_netdev_create(port);
	if (err)
		goto err_port_unregister;
	/* Up to 6.1 only: see compat.h. */
	vmq_devlink_port_link(&port->devlink_port, port->netdev);

	vmq_debugfs_port_init(port);
	rtnl_lock();
	list_add_tail(&port->list, &vdev->port_list);
	rtnl_unlock();
	return 0;

err_port_unregister:
	devl_port_unregister(&port->devlink_port);
err_free:
	kfree(port);
	return err;
}

static void vmq_port_del(struct vmq_port *port)
{
	rtnl_lock();
	list_del(&port->list);
	rtnl_unlock();
	vmq_debugfs_port_exit(port);
	vmq_devlink_port_unlink(&port->devlink_port);
	vmq_netdev_destroy(port);
	devl_port_unregister(&port->devlink_port);
	kfree(port);
}

/**
 * vmq_dev_ports_del() - remove all ports of a device
 * @vdev: the device
 *
 * Context: process context, devlink instance lock held.
 */
void vmq_dev_ports_del(struct vmq_dev *vdev)
{
	struct vmq_port *port, *tmp;

	devl_assert_locked(priv_to_devlink(vdev));

	list_for_each_entry_safe_reverse(port, tmp, &vdev->port_list, list)
		vmq_port_del(port);
}

/**
 * vmq_dev_ports_add() - create the ports the device was configured with
 * @vdev: the device, with no ports
 *
 * Creates vdev->bdev->ports ports with vdev->bdev->queues queues each. On
 * failure no port is left behind.
 *
 * Context: process context, devlink instance lock held.
 * Return: 0 or a negative errno.
 */
int vmq_dev_ports_add(struct vmq_dev *vdev)
{
	unsigned int i;
	int err;

	devl_assert_locked(priv_to_devlink(vdev));

	for (i = 0; i < vdev->bdev->ports; i++) {
		err = vmq_port_add(vdev, i);
		if (err)
			goto err_del;
	}
	return 0;

err_del:
	vmq_dev_ports_del(vdev);
	return err;
}

/* Shared memory: the pool and its debugfs files. */
static int vmq_dev_shmem_init(struct vmq_dev *vdev)
{
	struct vmq_bus_dev *bdev = vdev->bdev;

	vdev->shmem = vmq_shmem_pool_create(&bdev->dev, bdev->dev.id,
					    VMQ_SHMEM_BUDGET_DEFAULT,
					    vmq_queue_shmem_state, vdev);
	if (IS_ERR(vdev->shmem))
		return PTR_ERR(vdev->shmem);
	vmq_shmem_debugfs_init(vdev->shmem, vdev->ddir);
	return 0;
}

/* Frees whatever shared memory is left, reporting leaks: the halt. */
static void vmq_dev_shmem_fini(struct vmq_dev *vdev)
{
	vmq_shmem_pool_destroy(vdev->shmem);
	vdev->shmem = NULL;
}

/**
 * vmq_dev_probe() - bind the driver to a vmqnet bus device
 * @bdev: the bus device
 *
 * Creates the devlink instance vmqnet/vmqnet<ID>, the debugfs directory and
 * the ports. Device-wide devlink objects (resources, params, health) belong
 * between the debugfs and the port creation, so ports can use them, and
 * are released in reverse order in vmq_dev_remove() and the unwind below.
 *
 * Context: process context, device_lock held (driver core).
 * Return: 0 or a negative errno, with nothing left behind.
 */
int vmq_dev_probe(struct vmq_bus_dev *bdev)
{
	struct devlink *devlink;
	struct vmq_dev *vdev;
	int err;

	devlink = devlink_alloc(&vmq_devlink_ops, sizeof(*vdev), &bdev->dev);
	if (!devlink)
		return -ENOMEM;
	vdev = devlink_priv(devlink);
	vdev->bdev = bdev;
	INIT_LIST_HEAD(&vdev->port_list);
	vmq_rx_params_init(vdev);
	dev_set_drvdata(&bdev->dev, vdev);

	devl_lock(devlink);
	vmq_debugfs_dev_init(vdev);

	err = vmq_dev_shmem_init(vdev);
	if (err)
		goto err_debugfs;

	err = vmq_devlink_res_init(vdev);
	if (err)
		goto err_shmem;
	err = vmq_devlink_params_init(vdev);
	if (err)
		goto err_res;
	err = vmq_health_init(vdev);
	if (err)
		goto err_params;

	err = vmq_dev_ports_add(vdev);
	if (err)
		goto err_health;

	vmq_devlink_reload_enable(devlink);
	devl_unlock(devlink);
	/* Last, as in 6.1 drivers: userspace sees the instance complete. */
	devlink_register(devlink);
	return 0;

err_health:
	vmq_health_fini(vdev);
err_params:
	vmq_devlink_params_fini(vdev);
err_res:
	vmq_devlink_res_fini(vdev);
err_shmem:
	vmq_dev_shmem_fini(vdev);
err_debugfs:
	vmq_debugfs_dev_exit(vdev);
	devl_unlock(devlink);
	dev_set_drvdata(&bdev->dev, NULL);
	devlink_free(devlink);
	return err;
}

/**
 * vmq_dev_remove() - unbind the driver from a vmqnet bus device
 * @bdev: the bus device, bound
 *
 * Context: process context, device_lock held (driver core).
 */
void vmq_dev_remove(struct vmq_bus_dev *bdev)
{
	struct vmq_dev *vdev = dev_get_drvdata(&bdev->dev);
	struct devlink *devlink = priv_to_devlink(vdev);

	/* First, so that no devlink command (reload) runs during teardown. */
	devlink_unregister(devlink);
	devl_lock(devlink);
	vmq_dev_ports_del(vdev);
	vmq_health_fini(vdev);
	vmq_devlink_params_fini(vdev);
	vmq_devlink_res_fini(vdev);
	vmq_dev_shmem_fini(vdev);
	vmq_debugfs_dev_exit(vdev);
	devl_unlock(devlink);
	dev_set_drvdata(&bdev->dev, NULL);
	devlink_free(devlink);
}
