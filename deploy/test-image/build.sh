#!/usr/bin/env bash
# Builds the tiny test guest from Debian's own packages, no download: the host's kernel and an
# initramfs of busybox-static plus the virtio and ISO 9660 modules. It reads its instance data from the
# config drive (cloud-init's NoCloud: a disk labelled cidata with meta-data, user-data, network-config)
# the way a cloud image does, and prints on its serial console
#   PLATFORM-GUEST-READY <marker>      once, <marker> being the kernel parameter platform.marker=...
#   PLATFORM-GUEST-CONFIG-DRIVE <dev>  when it found the config drive (PLATFORM-GUEST-NO-CONFIG-DRIVE if none)
#   PLATFORM-GUEST-SSH-KEY <key>       each public key of meta-data's public-keys, as cloud-init would install it
#   PLATFORM-GUEST-IP <dev> <ip/prefix> when it configured its NIC from network-config (the NIC matched by MAC
#                                      address, its address, the default route's gateway)
#   and runs user-data (a shell script) in the background, each output line prefixed PLATFORM-USER-DATA.
#   PLATFORM-GUEST-DISK <dev>          for every block device, also ones hot-plugged later
#   PLATFORM-GUEST-DISK-GONE <dev>     when one is unplugged
#   PLATFORM-GUEST-POWER-OFF           when the ACPI power button (a graceful stop) powers it off; a guest booted
#                                      with platform.acpi=ignore ignores the button, for tests of the forced stop
#   PLATFORM-GUEST-SSH-READY <port>    when its SSH server (Debian's dropbear) listens, after the network is up (made in the
#                                      background once the kernel's random numbers are ready; HTTP-READY may come first):
#                                      meta-data's public-keys are root's /root/.ssh/authorized_keys, the host key
#                                      an ed25519 key made at this boot (dropbearkey: milliseconds, once random numbers are)
#   PLATFORM-GUEST-HTTP-READY <port>   when busybox httpd serves on port 80, after the network is up: / answers the
#                                      instance id (meta-data's instance-id) and a newline, /health answers "ok";
#                                      /cgi-bin/burn?seconds=N burns one CPU for N seconds (at most 600) in the
#                                      background and answers at once: real load for scaling tests;
#                                      /cgi-bin/stream?seconds=N answers the instance id, then a line a second for N
#                                      seconds (at most 600), then "done": a long response for connection-draining tests;
#                                      /cgi-bin/sick removes /health (404 from then on) and answers "sick <instance id>":
#                                      a failing health check while / still answers. `killall httpd` (over SSH) makes it
#                                      an unhealthy target too.
# It also carries Debian's curl (with the shared libraries ldd lists) so tests can fetch from inside a guest,
# e.g. `curl -X PUT http://169.254.169.254/latest/api/token` from the instance metadata service, and Debian's iperf3
# for the network benchmarks (bench/edge.sh; 0.5 MiB more of initramfs, its libcrypto is curl's).
#   deploy/test-image/build.sh OUTDIR     -> OUTDIR/vmlinux, OUTDIR/initrd.img
# vmlinux is the host kernel uncompressed: QEMU boots its ELF through the PVH entry point, skipping the BIOS
# and the decompression of the bzImage, which under software emulation took most of the boot (5 s of 8).
# Boot it with "console=ttyS0 quiet no_timer_check cryptomgr.notests": under software emulation on a busy host
# the kernel's IO-APIC timer check can fail and panic ("IO-APIC + timer doesn't work"); cloud images pass the same
# flag. The kernel's self-tests of its crypto algorithms are a tenth of the emulated boot (0.34 s of 3.2 s for a
# 2-vCPU guest here); a test guest skips them.
set -euo pipefail
out=${1:?output directory}
kernel=$(ls -1 /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)
[ -n "$kernel" ] || { echo "no /boot/vmlinuz-*: install linux-image-amd64" >&2; exit 1; }
version=${kernel#/boot/vmlinuz-}
modules=/lib/modules/$version/kernel
[ -x /bin/busybox ] || { echo "no /bin/busybox: install busybox-static" >&2; exit 1; }
[ -x /usr/sbin/dropbear ] && [ -x /usr/bin/dropbearkey ] || { echo "no /usr/sbin/dropbear: install dropbear-bin" >&2; exit 1; }
[ -x /usr/bin/curl ] || { echo "no /usr/bin/curl: install curl" >&2; exit 1; }
[ -x /usr/bin/iperf3 ] || { echo "no /usr/bin/iperf3: install iperf3" >&2; exit 1; }

mkdir -p "$out"
if [ "$out/initrd.img" -nt "$0" ] && [ "$out/vmlinux" -nt "$kernel" ] && [ "$out/vmlinux" -nt "$0" ]; then exit 0; fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,modules,etc,root,tmp,usr/bin,usr/sbin}
cp /bin/busybox "$root/bin/busybox"
# Debian's dynamically linked programs, each with the shared libraries (and the loader) ldd lists, copied to
# the same paths (Debian ships them stripped already).
for program in /usr/sbin/dropbear /usr/bin/dropbearkey /usr/bin/curl /usr/bin/iperf3; do
  cp "$program" "$root$program"
  for library in $(ldd "$program" | grep -o '/[^ ]*'); do
    [ -e "$root$library" ] && continue
    mkdir -p "$root$(dirname "$library")"
    cp -L "$library" "$root$library"
  done
done
# root for dropbear's login (getpwnam reads /etc/passwd; glibc's files service is in libc itself).
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"
echo '/bin/sh' >"$root/etc/shells"

# Load order from `modinfo -F depends`: the virtio transport first, then the devices.
order=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover net_failover virtio_net virtio_blk cdrom isofs evdev button)
for name in "${order[@]}"; do
  file=$(find "$modules" -name "$name.ko*" | head -n 1)
  [ -n "$file" ] || continue   # built into this kernel
  case "$file" in
    *.xz) xz -dc "$file" >"$root/modules/$name.ko" ;;
    *.zst) zstd -qdc "$file" >"$root/modules/$name.ko" ;;
    *) cp "$file" "$root/modules/$name.ko" ;;
  esac
  echo "$name" >>"$root/modules/order"
done

cat >"$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
for m in $(cat /modules/order 2>/dev/null); do insmod /modules/$m.ko 2>/dev/null; done
# The ACPI power button (libvirt's graceful shutdown and reboot) powers the guest off, as a cloud image's
# init does; platform.acpi=ignore makes a guest that ignores it, for tests of the forced stop.
if ! grep -q 'platform\.acpi=ignore' /proc/cmdline; then
  mkdir -p /etc/acpi/PWRF
  printf '#!/bin/sh\necho PLATFORM-GUEST-POWER-OFF >/dev/console\nsync\npoweroff -f\n' >/etc/acpi/PWRF/00000080
  chmod +x /etc/acpi/PWRF/00000080
  # In the foreground of a background job: as a daemon it wants a log file under /var/log.
  acpid -f -d -c /etc/acpi >/dev/null 2>&1 &
fi
marker=$(sed -n 's/.*platform\.marker=\([^ ]*\).*/\1/p' /proc/cmdline)
echo "PLATFORM-GUEST-READY $marker"
mkdir -p /config
drive=""
for n in 1 2 3 4 5 6 7 8 9 10; do
  for dev in /dev/vd*; do
    [ -b "$dev" ] || continue
    if mount -t iso9660 -o ro "$dev" /config 2>/dev/null; then
      [ -f /config/meta-data ] && { drive=$dev; break; }
      umount /config
    fi
  done
  [ -n "$drive" ] && break
  sleep 0.3
done
if [ -n "$drive" ]; then
  echo "PLATFORM-GUEST-CONFIG-DRIVE ${drive#/dev/}"
  sed -n 's/^  - "\(.*\)"$/\1/p' /config/meta-data | while read -r key; do echo "PLATFORM-GUEST-SSH-KEY $key"; done
  if [ -f /config/network-config ]; then
    mac=$(sed -n 's/^ *macaddress: "\(.*\)"$/\1/p' /config/network-config | head -n 1)
    ip=$(sed -n '/^ *addresses:/{n;s/^ *- //p;}' /config/network-config | head -n 1)
    gw=$(sed -n 's/^ *via: //p' /config/network-config | head -n 1)
  fi
else
  echo "PLATFORM-GUEST-NO-CONFIG-DRIVE"
fi
if [ -n "$mac" ] && [ -n "$ip" ]; then
  for n in 1 2 3 4 5 6 7 8 9 10; do
    for dev in /sys/class/net/*; do
      [ "$(cat "$dev/address" 2>/dev/null)" = "$mac" ] && nic=${dev##*/}
    done
    [ -n "$nic" ] && break
    sleep 0.5
  done
  if [ -n "$nic" ]; then
    ip link set lo up
    ip link set "$nic" up
    ip addr add "$ip" dev "$nic"
    [ -n "$gw" ] && ip route add default via "$gw" dev "$nic"
    echo "PLATFORM-GUEST-IP $nic $ip"
  else
    echo "PLATFORM-GUEST-NO-NIC $mac"
  fi
fi
# The SSH server, once the network is up (or without it, still reachable over other paths): root's keys from
# the config drive, as cloud-init's ssh module installs them, and a host key made now.
mkdir -p /root/.ssh /etc/dropbear /dev/pts
chmod 700 /root /root/.ssh
mount -t devpts devpts /dev/pts 2>/dev/null
[ -n "$drive" ] && sed -n 's/^  - "\(.*\)"$/\1/p' /config/meta-data >/root/.ssh/authorized_keys
chmod 600 /root/.ssh/authorized_keys 2>/dev/null
# In the background: dropbearkey waits for the kernel's random number generator, which a guest without a hardware source
# (software emulation, no virtio-rng) has only once its jitter entropy is in, seconds after init starts (6 s of a 15 s
# boot measured here); the web server and user-data need no key and start meanwhile.
(
  if dropbearkey -t ed25519 -f /etc/dropbear/dropbear_ed25519_host_key >/dev/null 2>&1 \
    && dropbear -r /etc/dropbear/dropbear_ed25519_host_key -p 22 -s 2>/dev/null; then
    echo "PLATFORM-GUEST-SSH-READY 22"
  fi
) &
# The web server load balancer tests put behind their balancers: the instance's id at /, a health page, a CPU burner.
mkdir -p /www/cgi-bin
iid=""
[ -n "$drive" ] && iid=$(sed -n 's/^instance-id: *"*\([^"]*\)"*$/\1/p' /config/meta-data | head -n 1)
echo "${iid:-unknown}" >/www/index.html
echo ok >/www/health
cat >/www/cgi-bin/burn <<'BURN'
#!/bin/sh
seconds=$(echo "$QUERY_STRING" | sed -n 's/.*seconds=\([0-9]*\).*/\1/p')
seconds=${seconds:-60}
[ "$seconds" -gt 600 ] && seconds=600
(end=$(( $(date +%s) + seconds )); while [ "$(date +%s)" -lt "$end" ]; do :; done) >/dev/null 2>&1 </dev/null &
printf 'Content-Type: text/plain\r\n\r\nburning %s s\n' "$seconds"
BURN
cat >/www/cgi-bin/stream <<'STREAM'
#!/bin/sh
seconds=$(echo "$QUERY_STRING" | sed -n 's/.*seconds=\([0-9]*\).*/\1/p')
seconds=${seconds:-30}
[ "$seconds" -gt 600 ] && seconds=600
printf 'Content-Type: text/plain\r\n\r\n'
cat /www/index.html
n=1
while [ "$n" -le "$seconds" ]; do sleep 1; echo "$n"; n=$((n + 1)); done
echo done
STREAM
cat >/www/cgi-bin/sick <<'SICK'
#!/bin/sh
rm -f /www/health
printf 'Content-Type: text/plain\r\n\r\nsick %s\n' "$(cat /www/index.html)"
SICK
chmod +x /www/cgi-bin/burn /www/cgi-bin/stream /www/cgi-bin/sick
if httpd -p 80 -h /www 2>/dev/null; then
  echo "PLATFORM-GUEST-HTTP-READY 80"
fi
if [ -s /config/user-data ]; then
  cp /config/user-data /user-data && chmod +x /user-data && (sh /user-data 2>&1 | sed 's/^/PLATFORM-USER-DATA /' &)
fi
seen=""
while true; do
  now=$(echo $(ls /sys/block))
  for d in $now; do case " $seen " in *" $d "*) ;; *) echo "PLATFORM-GUEST-DISK $d" ;; esac; done
  for d in $seen; do case " $now " in *" $d "*) ;; *) echo "PLATFORM-GUEST-DISK-GONE $d" ;; esac; done
  seen=$(echo $now)
  sleep 1
done
INIT
chmod +x "$root/init"
(cd "$root" && find . | /bin/busybox cpio -o -H newc 2>/dev/null | gzip -9 >"$out/initrd.img.tmp$$")
# The bzImage's XZ payload (Debian compresses its kernels with XZ) is the ELF vmlinux; xz stops with an
# error at the bzImage's trailer after the stream, so the ELF header is what is checked.
offset=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$kernel" | head -n 1 | cut -d: -f1)
[ -n "$offset" ] || { echo "$kernel: no XZ payload found" >&2; exit 1; }
tail -c +$((offset + 1)) "$kernel" | xz -dcq >"$out/vmlinux.tmp$$" 2>/dev/null || true
[ "$(head -c 4 "$out/vmlinux.tmp$$" | od -An -tx1 | tr -d ' \n')" = "7f454c46" ] || { echo "$kernel: its payload is not an ELF kernel" >&2; exit 1; }
# Files of this process's own renamed into place: tests of several projects may build into one directory at once.
mv "$out/initrd.img.tmp$$" "$out/initrd.img"
mv "$out/vmlinux.tmp$$" "$out/vmlinux"
