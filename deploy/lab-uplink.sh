#!/usr/bin/env bash
# The outside world for one machine (issue 11, docs/OPERATIONS.md "Public networking"), idempotently:
#   a network namespace standing for the provider network's router (198.51.100.1/24 by default), a veth pair whose
#   other end (pl-uplink) is the HostAgent's uplink (Agent:Uplink:Interface), and a second veth pair through which this
#   machine itself reaches the provider network (route 198.51.100.0/24 via the namespace), so `ssh root@<elastic ip>`
#   works from here. Nothing leaves the machine.
#   deploy/lab-uplink.sh [down]
set -euo pipefail
: "${PLATFORM_OUTSIDE_NS:=platform-outside}"
: "${PLATFORM_UPLINK:=pl-uplink}"
: "${PLATFORM_PUBLIC_CIDR:=198.51.100.0/24}"
: "${PLATFORM_PUBLIC_GATEWAY:=198.51.100.1}"
# The link between this machine and the namespace (RFC 2544's benchmarking range: never a real address).
: "${PLATFORM_HOST_LINK:=198.18.0.0}"
ns=$PLATFORM_OUTSIDE_NS uplink=$PLATFORM_UPLINK
outside_end=${uplink}-o host_end=${uplink}-h host_peer=${uplink}-n
prefix=${PLATFORM_PUBLIC_CIDR#*/}
link_base=${PLATFORM_HOST_LINK%.*}.${PLATFORM_HOST_LINK##*.}
host_ip=${PLATFORM_HOST_LINK%.*}.$(( ${PLATFORM_HOST_LINK##*.} + 2 ))
router_ip=${PLATFORM_HOST_LINK%.*}.$(( ${PLATFORM_HOST_LINK##*.} + 1 ))

if [ "${1:-}" = down ]; then
  ip route del "$PLATFORM_PUBLIC_CIDR" via "$router_ip" 2>/dev/null || true
  ip link del "$uplink" 2>/dev/null || true
  ip link del "$host_end" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  exit 0
fi

in_ns() { ip netns exec "$ns" "$@"; }
ip netns list | grep -qx "$ns\( (id: [0-9]*)\)\?" || ip netns add "$ns"
in_ns ip link set lo up
in_ns sysctl -q net.ipv4.ip_forward=1

# The provider network: the router's address on the namespace's end, the other end the agent's uplink (no address here).
if ! ip link show "$uplink" >/dev/null 2>&1; then
  ip link add "$uplink" type veth peer name "$outside_end" netns "$ns"
fi
in_ns ip addr replace "$PLATFORM_PUBLIC_GATEWAY/$prefix" dev "$outside_end"
in_ns ip link set "$outside_end" up
# A veth leaves TCP/UDP checksums to offload; the switch's userspace datapath rewrites addresses of what it receives
# and would hand guests wrong checksums. A NIC's frames come off the wire whole: only this lab needs it.
in_ns ethtool -K "$outside_end" tx off >/dev/null
ip link set "$uplink" up

# This machine's way in: a /30 to the namespace, and the provider network routed through it.
if ! ip link show "$host_end" >/dev/null 2>&1; then
  ip link add "$host_end" type veth peer name "$host_peer" netns "$ns"
fi
ip addr replace "$host_ip/30" dev "$host_end"
ip link set "$host_end" up
in_ns ip addr replace "$router_ip/30" dev "$host_peer"
in_ns ip link set "$host_peer" up
ip route replace "$PLATFORM_PUBLIC_CIDR" via "$router_ip" dev "$host_end"
echo "Outside network: namespace $ns, router $PLATFORM_PUBLIC_GATEWAY on $PLATFORM_PUBLIC_CIDR, the agent's uplink $uplink; this machine reaches $PLATFORM_PUBLIC_CIDR through $host_end"
