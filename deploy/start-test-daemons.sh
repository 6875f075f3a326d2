#!/usr/bin/env bash
# Starts the daemons the tests need (libvirtd, virtlogd, Open vSwitch), idempotently: a machine where they already
# run loses no time. Uses systemd where it is PID 1; starts them by hand where it is not (build machines).
set -euo pipefail

running() { pgrep -x "$1" >/dev/null 2>&1; }

if [ "$(ps -o comm= -p 1 2>/dev/null)" = "systemd" ]; then
  systemctl start virtlogd libvirtd
else
  mkdir -p /var/log/libvirt /var/run/libvirt /var/lib/libvirt/images
  # The QEMU driver refuses to load without these users and groups.
  getent group kvm >/dev/null || groupadd -r kvm
  getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
  getent passwd libvirt-qemu >/dev/null || useradd -r -g libvirt-qemu -G kvm -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu
  # Test guests boot files owned by root from temporary directories: run QEMU as root, unconfined.
  conf=/etc/libvirt/qemu.conf
  for setting in 'user = "root"' 'group = "root"' 'security_driver = "none"'; do
    grep -qxF "$setting" "$conf" 2>/dev/null || echo "$setting" >>"$conf"
  done
  running virtlogd || virtlogd -d
  running libvirtd || libvirtd -d
fi

# Open vSwitch with the userspace datapath (datapath_type=netdev): no kernel module is needed, so it
# is started by hand everywhere, the same way on a clean machine and under systemd (whose packaged
# unit would insist on the kernel module). Each step is skipped when its daemon already answers.
ovs_run=/var/run/openvswitch ovs_db=/etc/openvswitch/conf.db
ovs_schema=/usr/share/openvswitch/vswitch.ovsschema
mkdir -p "$ovs_run" /var/log/openvswitch /etc/openvswitch
if ! ovs-appctl -t ovsdb-server version >/dev/null 2>&1; then
  [ -f "$ovs_db" ] || ovsdb-tool create "$ovs_db" "$ovs_schema"
  # A database left by an older package gets its schema upgraded in place.
  if [ "$(ovsdb-tool needs-conversion "$ovs_db" "$ovs_schema")" = yes ]; then ovsdb-tool convert "$ovs_db" "$ovs_schema"; fi
  ovsdb-server "$ovs_db" --remote=punix:"$ovs_run"/db.sock --remote=db:Open_vSwitch,Open_vSwitch,manager_options \
    --pidfile --detach --log-file -vconsole:err
fi
ovs-vsctl --no-wait init
if ! ovs-appctl -t ovs-vswitchd version >/dev/null 2>&1; then
  ovs-vswitchd --pidfile --detach --log-file -vconsole:err
fi
ovs-vsctl --timeout=10 show >/dev/null || { echo "Open vSwitch did not answer on $ovs_run/db.sock" >&2; exit 1; }

# The outside world for elastic IPs and NAT gateways (issue 11): a namespace and the agent's uplink, nothing leaves the machine.
"$(dirname "$0")/lab-uplink.sh" >/dev/null

for _ in $(seq 1 50); do
  virsh -c qemu:///system version >/dev/null 2>&1 && exit 0
  sleep 0.2
done
echo "libvirtd did not answer on qemu:///system" >&2
exit 1
