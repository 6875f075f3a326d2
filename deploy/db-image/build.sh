#!/usr/bin/env bash
# Builds the database guest (RDS) from Debian's packages, no download, the way deploy/test-image/build.sh builds the
# test guest: the host's kernel uncompressed (booted through PVH) and an initramfs of busybox-static, Debian's
# PostgreSQL 15 (postgresql-15: /usr/lib/postgresql/15 without the LLVM JIT, its share files), pgBackRest, e2fsprogs'
# mke2fs and the shared libraries ldd lists for each, plus the virtio, ext4 and virtio-serial modules.
#   deploy/db-image/build.sh OUTDIR     -> OUTDIR/vmlinux, OUTDIR/initrd.img
# At boot (deploy/db-image/init) it configures its tenant NIC from the config drive's network-config, mounts the data
# volume (the first virtio disk that is not the config drive: ext4 made on it when it is blank, initdb when it holds no
# cluster: the one this script made with the same initdb is unpacked) and serves the management channel (deploy/db-image/dbagent: a line protocol on the virtio-serial port
# org.platform.database.0, described in docs/ARCHITECTURE.md). It prints on its serial console
#   PLATFORM-GUEST-READY <marker>     as the test image does
#   PLATFORM-GUEST-IP <dev> <ip/prefix>
#   PLATFORM-DB-VOLUME <dev> <made|mounted>   the data volume, formatted now or found with a file system
#   PLATFORM-DB-INITDB <seconds>      a new cluster was put on the volume
#   PLATFORM-DB-CHANNEL <dev>         the management agent opened its port
#   PLATFORM-DB-LISTENING <port>      PostgreSQL accepts connections
# Boot it with "console=ttyS0 quiet no_timer_check cryptomgr.notests" (see the test image's build.sh).
set -euo pipefail
out=${1:?output directory}
here=$(cd "$(dirname "$0")" && pwd)
kernel=$(ls -1 /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)
[ -n "$kernel" ] || { echo "no /boot/vmlinuz-*: install linux-image-amd64" >&2; exit 1; }
version=${kernel#/boot/vmlinuz-}
modules=/lib/modules/$version/kernel
pg=/usr/lib/postgresql/15
[ -x /bin/busybox ] || { echo "no /bin/busybox: install busybox-static" >&2; exit 1; }
[ -x $pg/bin/postgres ] || { echo "no $pg/bin/postgres: install postgresql-15" >&2; exit 1; }
[ -x /usr/bin/pgbackrest ] || { echo "no /usr/bin/pgbackrest: install pgbackrest" >&2; exit 1; }
[ -x /usr/sbin/mke2fs ] || { echo "no /usr/sbin/mke2fs: install e2fsprogs" >&2; exit 1; }
command -v zstd >/dev/null || { echo "no zstd: install zstd" >&2; exit 1; }
id postgres >/dev/null 2>&1 || { echo "no user postgres (postgresql-15 makes it): initdb runs as it" >&2; exit 1; }

mkdir -p "$out"
newest=$(ls -t "$0" "$here/init" "$here/dbagent" | head -n 1)
if [ "$out/initrd.img" -nt "$newest" ] && [ "$out/vmlinux" -nt "$kernel" ] && [ "$out/vmlinux" -nt "$newest" ]; then exit 0; fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
chmod 755 "$root"
mkdir -p "$root"/{bin,dev,proc,sys,modules,etc,root,run,tmp,data,usr/bin,usr/sbin,usr/share/zoneinfo/Etc,usr/lib/postgresql/15/lib}
chmod 1777 "$root/tmp"
cp /bin/busybox "$root/bin/busybox"

copy_with_libraries() {
  for program in "$@"; do
    mkdir -p "$root$(dirname "$program")"
    cp "$program" "$root$program"
    for library in $(ldd "$program" | grep -o '/[^ ]*'); do
      [ -e "$root$library" ] && continue
      mkdir -p "$root$(dirname "$library")"
      cp -L "$library" "$root$library"
    done
  done
}
copy_with_libraries $pg/bin/postgres $pg/bin/initdb $pg/bin/pg_ctl $pg/bin/psql $pg/bin/pg_isready $pg/bin/pg_controldata $pg/bin/pg_basebackup \
  /usr/bin/pgbackrest /usr/sbin/mke2fs /usr/sbin/resize2fs
# The server's loadable modules (PL/pgSQL, snowball dictionaries, encodings; initdb loads some), without the JIT.
for library in $pg/lib/*.so; do
  case "$library" in */llvmjit.so) continue ;; esac
  copy_with_libraries "$library"
done
mkdir -p "$root/usr/share/postgresql"
cp -r /usr/share/postgresql/15 "$root/usr/share/postgresql/"
rm -rf "$root/usr/share/postgresql/15/man" "$root/usr/share/postgresql/15/extension/"*--*--*.sql 2>/dev/null || true
# Debian builds PostgreSQL with the system's time zone data: the server runs in UTC.
cp /usr/share/zoneinfo/UTC "$root/usr/share/zoneinfo/UTC"
cp /usr/share/zoneinfo/UTC "$root/usr/share/zoneinfo/Etc/UTC"
[ -f /etc/mke2fs.conf ] && cp /etc/mke2fs.conf "$root/etc/mke2fs.conf"
[ -f /etc/ssl/certs/ca-certificates.crt ] && mkdir -p "$root/etc/ssl/certs" && cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
cat >"$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
postgres:x:100:100:PostgreSQL:/data:/bin/sh
PASSWD
printf 'root:x:0:\npostgres:x:100:\n' >"$root/etc/group"
echo 'hosts: files' >"$root/etc/nsswitch.conf"
echo '127.0.0.1 localhost' >"$root/etc/hosts"

# Load order from `modinfo -F depends`: the virtio transport, the devices, then ext4 and what it needs.
order=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover net_failover virtio_net virtio_blk virtio_console
  cdrom isofs evdev button crc16 crc32c_generic libcrc32c mbcache jbd2 ext4)
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

# A new cluster, made here by the same initdb the guest carries: initdb under software emulation took 41-45 s of a
# busy machine's time, unpacking this takes about one. (Every database from this image starts with the same system
# identifier; each has a repository of its own, so pgBackRest never mixes two.)
template=$(mktemp -d)
trap 'rm -rf "$root" "$template"' EXIT
chown postgres "$template"
runuser -u postgres -- $pg/bin/initdb -D "$template/pgdata" -U postgres -E UTF8 --locale=C --auth-local=peer --auth-host=reject \
  --data-checksums --no-sync >/dev/null
echo "include_if_exists = 'platform.conf'" >>"$template/pgdata/postgresql.conf"
mkdir -p "$root/usr/share/platform-db"
tar -C "$template/pgdata" --owner=0 --group=0 -cf - . | gzip -6 >"$root/usr/share/platform-db/cluster.tar.gz"
install -m 755 "$here/init" "$root/init"
install -m 755 "$here/dbagent" "$root/bin/dbagent"
# zstd: the kernel unpacks it several times faster than gzip, which counts under software emulation.
(cd "$root" && find . | /bin/busybox cpio -o -H newc 2>/dev/null | zstd -q -T0 -10 >"$out/initrd.img.tmp$$")
offset=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$kernel" | head -n 1 | cut -d: -f1)
[ -n "$offset" ] || { echo "$kernel: no XZ payload found" >&2; exit 1; }
tail -c +$((offset + 1)) "$kernel" | xz -dcq >"$out/vmlinux.tmp$$" 2>/dev/null || true
[ "$(head -c 4 "$out/vmlinux.tmp$$" | od -An -tx1 | tr -d ' \n')" = "7f454c46" ] || { echo "$kernel: its payload is not an ELF kernel" >&2; exit 1; }
mv "$out/initrd.img.tmp$$" "$out/initrd.img"
mv "$out/vmlinux.tmp$$" "$out/vmlinux"
