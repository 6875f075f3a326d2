#!/usr/bin/env bash
# Starts the daemons the tests need (libvirtd, virtlogd), idempotently: a machine where they already
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

for _ in $(seq 1 50); do
  virsh -c qemu:///system version >/dev/null 2>&1 && exit 0
  sleep 0.2
done
echo "libvirtd did not answer on qemu:///system" >&2
exit 1
