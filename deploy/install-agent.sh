#!/usr/bin/env bash
# Installs this server's HostAgent as a systemd service and enrols it with a join token.
#   deploy/install-agent.sh API_URL JOIN_TOKEN        (as root, from a checkout of the repository)
# The token comes from POST /api/v1/ec2/hosts/join-tokens (management account), e.g. via
# deploy/create-join-token.sh on the API node. Needs the .NET SDK to publish the agent.
set -euo pipefail
api_url=${1:?API URL, e.g. http://control:8080}
token=${2:?join token}
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
