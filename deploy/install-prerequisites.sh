#!/usr/bin/env bash
# Installs what Platform needs on Debian 12 and restores NuGet packages. Idempotent: a machine that
# already has everything loses no time here.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

# Debian packages used by the API, the HostAgent, the README's examples and the tests:
# libvirt (its library carries the simulated test:/// hypervisor; the daemon drives QEMU), QEMU for
# real guests under software emulation, genisoimage for the guests' config drives (cloud-init's NoCloud
# ISO), and what the test guest image is built from (the host's kernel, busybox-static, Debian's dropbear and curl
# with their libraries: the guest's SSH server and HTTP client; openssh-client logs into it in the tests); vagrant checks the lab's Vagrantfile. Open vSwitch is the servers' switch
# (deploy/start-test-daemons.sh runs it with the userspace datapath, no systemd needed); its tests put
# guests in network namespaces (iproute2) and ping between them (iputils-ping), measure with iperf3 (also in the test
# image) and show the ARP on an uplink with tcpdump (the edge's end-to-end test); awscli (Debian's,
# /usr/bin/aws) drives the S3 API in the end-to-end tests and the README. The fault-injection test holds the API's
# database locked with sqlite3 and restarts the API onto a stepped wall clock with libfaketime (faketime).
# The database guest (deploy/db-image/build.sh) is built from PostgreSQL 15, pgBackRest, e2fsprogs' mke2fs and zstd;
# the tests log into it with postgresql-client's psql.
# HAProxy is the load balancers' data plane: the HostAgent runs its own haproxy processes (Debian's service stays off),
# and keepalived between a zone's two nodes (unicast VRRP) decides which server answers for the public address (its service stays off too).
packages=(ca-certificates curl jq xz-utils awscli sqlite3 faketime haproxy keepalived
  libvirt0 libvirt-clients libvirt-daemon libvirt-daemon-driver-qemu qemu-system-x86 qemu-utils genisoimage
  openvswitch-switch iproute2 iputils-ping ethtool iperf3 tcpdump
  busybox-static linux-image-amd64 dropbear-bin openssh-client
  postgresql-15 postgresql-client-15 pgbackrest e2fsprogs zstd
  vagrant)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "The .NET 10 SDK is required (dotnet on PATH); Debian 12 does not package it." >&2
  exit 1
fi

cd "$root"
dotnet tool restore >/dev/null
dotnet restore Platform.sln --verbosity quiet
