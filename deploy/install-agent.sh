#!/usr/bin/env bash
# Installs this server's HostAgent as a systemd service and enrols it with a join token.
#   [PLATFORM_UPLINK=eth1] deploy/install-agent.sh API_URL JOIN_TOKEN [CA_FILE]   (as root, from a checkout of the repository)
# The token comes from POST /api/v1/ec2/hosts/join-tokens (management account), e.g. via
# deploy/create-join-token.sh on the API node. CA_FILE is the API's CA certificate (the platform CA,
# /var/lib/platform/ca.pem on the API node), copied here by a channel you trust (scp, your configuration
# management): the agent trusts it alone for the API's certificate. Without it, the system's trust store
# (an operator certificate from a public CA). Needs the .NET SDK to publish the agent.
set -euo pipefail
api_url=${1:?API URL, e.g. https://control:8443}
token=${2:?join token}
ca=${3:-}
case "$api_url" in
  https://*) ;;
  *) echo "The API URL must be https:// (the agent talks to the API over TLS only): $api_url" >&2; exit 2 ;;
esac
if [ -n "$ca" ] && ! openssl x509 -noout -in "$ca" 2>/dev/null; then
  echo "$ca is not a PEM certificate" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
deploy/install-prerequisites.sh
deploy/start-test-daemons.sh
dotnet publish src/HostAgent/Platform.HostAgent -c Release -o /opt/platform/hostagent --verbosity quiet
install -d -m 0700 /etc/platform
umask 077
cat >/etc/platform/agent.env <<ENV
Agent__ApiUrl=$api_url
Agent__JoinToken=$token
ENV
# The provider network's device for elastic IPs and NAT gateways (docs/OPERATIONS.md, "Public networking"): up, no address.
if [ -n "${PLATFORM_UPLINK:-}" ]; then
  ip link set "$PLATFORM_UPLINK" up
  echo "Agent__Uplink__Interface=$PLATFORM_UPLINK" >>/etc/platform/agent.env
fi
if [ -n "$ca" ]; then
  install -m 0644 "$ca" /etc/platform/api-ca.pem
  echo "Agent__ApiCaCertificate=/etc/platform/api-ca.pem" >>/etc/platform/agent.env
  # Compare with the same command run on the API node before trusting the enrolment.
  echo "Pinned API CA: $(openssl x509 -noout -fingerprint -sha256 -in /etc/platform/api-ca.pem)"
fi
install -m 0644 deploy/systemd/platform-hostagent.service /etc/systemd/system/platform-hostagent.service
# QEMU runs as libvirt-qemu here (Debian's qemu.conf) and libvirt hands it the agent's files by path, chowning each
# while its guest runs (dynamic_ownership, on by default): the state directory is 0711 for that (docs/OPERATIONS.md).
if grep -Eq '^[[:space:]]*dynamic_ownership[[:space:]]*=[[:space:]]*0' /etc/libvirt/qemu.conf 2>/dev/null; then
  echo "warning: dynamic_ownership = 0 in /etc/libvirt/qemu.conf: QEMU will not be able to open the agent's volumes" >&2
fi
if [ "$(ps -o comm= -p 1)" = "systemd" ]; then
  systemctl daemon-reload
  systemctl enable --now platform-hostagent
else
  echo "systemd is not PID 1 here: start the agent with" >&2
  echo "  set -a; . /etc/platform/agent.env; dotnet /opt/platform/hostagent/Platform.HostAgent.dll" >&2
fi
