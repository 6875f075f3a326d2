#!/usr/bin/env bash
# Platform on one machine.
#   ./platform.sh up      install what is missing, build, start the API on the embedded database and a
#                         HostAgent for this machine, and publish the test image
#   ./platform.sh status  each process, its restarts, and the server's state
#   ./platform.sh down    stop it
#   ./platform.sh test    run every test (the fault-injection test last, on its own)
#   ./platform.sh bench   run the benchmarks and write docs/BENCHMARKS.md
set -euo pipefail
root=$(cd "$(dirname "$0")" && pwd)
cd "$root"

: "${PLATFORM_DATA:=/var/lib/platform}"
: "${PLATFORM_URL:=https://127.0.0.1:8443}"
# The CA clients trust for PLATFORM_URL: the platform CA the API makes on first start (docs/OPERATIONS.md, "Certificates").
: "${PLATFORM_CA:=$PLATFORM_DATA/ca.pem}"
: "${PLATFORM_LOG:=/var/log/platform}"
: "${PLATFORM_RUN:=/run/platform}"
: "${PLATFORM_AGENT_STATE:=/var/lib/platform-agent}"
# qemu = software emulation. Where KVM works, PLATFORM_DOMAIN_TYPE=kvm (the lab machines have a
# /dev/kvm whose guests hang, see docs/OPERATIONS.md).
: "${PLATFORM_DOMAIN_TYPE:=qemu}"
: "${PLATFORM_REGION:=us-east-1}"
# The HostAgent's uplink to the provider network (elastic IPs, NAT gateways): the veth deploy/lab-uplink.sh makes into the
# namespace platform-outside (198.51.100.1/24). Empty: no public networking on this server.
: "${PLATFORM_UPLINK=pl-uplink}"
# The public address pool elastic IPs come from (Network:PublicAddresses, docs/OPERATIONS.md): a documentation network
# (RFC 5737) that stays on this machine.
: "${PLATFORM_PUBLIC_CIDR:=198.51.100.0/24}"
: "${PLATFORM_PUBLIC_GATEWAY:=198.51.100.1}"
# Optional: hand out only this range of it (Network:PublicAddresses:FirstAddress/LastAddress), e.g. where the provider
# network also holds the servers' own addresses (the Vagrant lab's network).
: "${PLATFORM_PUBLIC_FIRST:=}"
: "${PLATFORM_PUBLIC_LAST:=}"
# Where the API and the agent are published to when systemd does not run them.
: "${PLATFORM_BUILD:=$root/.build}"
export PLATFORM_DATA PLATFORM_URL PLATFORM_CA

pid_of() {
  [ -f "$PLATFORM_RUN/$1.pid" ] && kill -0 "$(cat "$PLATFORM_RUN/$1.pid")" 2>/dev/null && cat "$PLATFORM_RUN/$1.pid"
}

# A call to the API signed with the management account's root key (curl's own SigV4).
signed() {
  local creds="$PLATFORM_DATA/root-credentials.json"
  curl -fsS --cacert "$PLATFORM_CA" --aws-sigv4 "aws:amz:$PLATFORM_REGION:ec2" \
    --user "$(jq -r .access_key_id "$creds"):$(jq -r .secret_access_key "$creds")" "$@"
}

# systemd as PID 1: the units in deploy/systemd run the API and the agent (Restart=always). Elsewhere (containers,
# CI) deploy/supervise.sh does the same: restarts with backoff, each restart logged and counted.
use_systemd() {
  [ "${PLATFORM_SUPERVISOR:-}" != bash ] && [ -d /run/systemd/system ] && [ "$(ps -p 1 -o comm= 2>/dev/null)" = systemd ]
}

# Starts NAME's supervisor in DIR with the environment given before the command: supervised NAME DIR VAR=... -- CMD...
supervised() {
  local name=$1 dir=$2
  shift 2
  local vars=()
  while [ "$1" != "--" ]; do vars+=("$1"); shift; done
  shift
  rm -f "$PLATFORM_RUN/$name.restarts" "$PLATFORM_RUN/$name.last-exit"
  (cd "$dir" && exec env "${vars[@]}" setsid nohup "$root/deploy/supervise.sh" "$name" "$PLATFORM_RUN" "$PLATFORM_LOG/$name.log" -- "$@" \
    >>"$PLATFORM_LOG/$name.log" 2>&1 </dev/null) &
  echo $! >"$PLATFORM_RUN/$name.pid"
}

# The systemd unit that runs api or agent.
unit_of() { echo "platform-${1/agent/hostagent}"; }

# The process doing the work: the supervisor's child, or the unit's main process.
worker_pid() {
  if use_systemd; then
    local pid
    pid=$(systemctl show -p MainPID --value "$(unit_of "$1")" 2>/dev/null)
    [ "${pid:-0}" != 0 ] && echo "$pid"
  elif pid_of "$1" >/dev/null && [ -f "$PLATFORM_RUN/$1.child" ]; then
    cut -d' ' -f1 "$PLATFORM_RUN/$1.child"
  fi
}

running() {
  if use_systemd; then systemctl is-active --quiet "$(unit_of "$1")"; else pid_of "$1" >/dev/null; fi
}

# Where the API keeps failing to start, say why instead of waiting out the timeout.
fail_with_log() {
  echo "$1; the last lines of $(log_of "$2"):" >&2
  if use_systemd; then journalctl -u "$(unit_of "$2")" -n 40 --no-pager >&2; else tail -n 40 "$PLATFORM_LOG/$2.log" >&2; fi
  exit 1
}

start_api() {
  if running api; then
    echo "Platform API already running at $PLATFORM_URL"
    return
  fi
  mkdir -p "$PLATFORM_DATA" "$PLATFORM_LOG" "$PLATFORM_RUN"
  chmod 700 "$PLATFORM_DATA"
  local pool=(Network__PublicAddresses__Cidr="$PLATFORM_PUBLIC_CIDR" Network__PublicAddresses__Gateway="$PLATFORM_PUBLIC_GATEWAY")
  [ -z "$PLATFORM_PUBLIC_FIRST" ] || pool+=(Network__PublicAddresses__FirstAddress="$PLATFORM_PUBLIC_FIRST")
  [ -z "$PLATFORM_PUBLIC_LAST" ] || pool+=(Network__PublicAddresses__LastAddress="$PLATFORM_PUBLIC_LAST")
  if use_systemd; then
    dotnet publish src/Platform.Api -c Release -o /opt/platform/api --no-restore --verbosity quiet
    local environment
    environment=$(printf 'Environment=%s\\n' "${pool[@]}")
    sed -e "s|^Environment=ASPNETCORE_URLS=.*|Environment=ASPNETCORE_URLS=$PLATFORM_URL|" \
      -e "s|/var/lib/platform\b|$PLATFORM_DATA|g" \
      -e "/^Environment=Platform__DataDirectory=/a ${environment%\\n}" \
      deploy/systemd/platform-api.service >/etc/systemd/system/platform-api.service
    systemctl daemon-reload
    systemctl enable --now platform-api
  else
    dotnet publish src/Platform.Api -c Release -o "$PLATFORM_BUILD/api" --no-restore --verbosity quiet
    # Started from its own folder: that is where it finds appsettings.json.
    supervised api "$PLATFORM_BUILD/api" Platform__DataDirectory="$PLATFORM_DATA" ASPNETCORE_URLS="$PLATFORM_URL" \
      "${pool[@]}" -- dotnet Platform.Api.dll
  fi
  # /healthz: the API serves (its migrations done). /readyz waits for a server too, which comes after it (up checks it last).
  for _ in $(seq 1 90); do
    curl -fsS --cacert "$PLATFORM_CA" "$PLATFORM_URL/healthz" >/dev/null 2>&1 && break
    running api || fail_with_log "The API's supervisor is gone" api
    sleep 1
  done
  curl -fsS --cacert "$PLATFORM_CA" "$PLATFORM_URL/healthz" >/dev/null || fail_with_log "The API did not start" api
  echo "Platform API running (pid $(worker_pid api)) at $PLATFORM_URL; log: $(log_of api)"
  echo "Its certificate's CA: $PLATFORM_CA (curl --cacert, aws --ca-bundle)"
}

log_of() {
  if use_systemd; then echo "journalctl -u $(unit_of "$1")"; else echo "$PLATFORM_LOG/$1.log"; fi
}

# The agent's view of this server as the API has it: "status reason", empty when it has not enrolled.
host_state() {
  [ -f "$PLATFORM_AGENT_STATE/credential.json" ] || return 0
  local host
  host=$(jq -r .host_id "$PLATFORM_AGENT_STATE/credential.json")
  signed "$PLATFORM_URL/api/v1/ec2/hosts" 2>/dev/null | jq -r --arg h "$host" \
    '.hosts[] | select(.host_id == $h) | "\(.status) \(.applied_version >= .desired_version) \(.status_reason // "")"' || true
}

start_agent() {
  if running agent; then
    echo "HostAgent already running (pid $(worker_pid agent))"
  else
    # 0711: QEMU passes through to the pool and the consoles; the credential inside is 0600 (docs/OPERATIONS.md).
    mkdir -p "$PLATFORM_AGENT_STATE" && chmod 711 "$PLATFORM_AGENT_STATE"
    local token=""
    if [ ! -f "$PLATFORM_AGENT_STATE/credential.json" ]; then
      token=$(signed -X POST -H 'Content-Type: application/json' -d '{}' "$PLATFORM_URL/api/v1/ec2/hosts/join-tokens" | jq -r .join_token)
    fi
    # Networking on from the start: a switch still coming up is a fault the agent waits out, not a server without VPCs.
    local settings=(Agent__ApiUrl="$PLATFORM_URL" Agent__ApiCaCertificate="$PLATFORM_CA" Agent__StateDirectory="$PLATFORM_AGENT_STATE"
      Agent__DomainType="$PLATFORM_DOMAIN_TYPE" Agent__Networking=true Agent__Uplink__Interface="$PLATFORM_UPLINK")
    if use_systemd; then
      dotnet publish src/HostAgent/Platform.HostAgent -c Release -o /opt/platform/hostagent --no-restore --verbosity quiet
      mkdir -p /etc/platform
      (umask 077 && printf '%s\n' "${settings[@]}" "Agent__JoinToken=$token" >/etc/platform/agent.env)
      sed -e "s|/var/lib/platform-agent\b|$PLATFORM_AGENT_STATE|g" deploy/systemd/platform-hostagent.service \
        >/etc/systemd/system/platform-hostagent.service
      systemctl daemon-reload
      systemctl enable --now platform-hostagent
    else
      dotnet publish src/HostAgent/Platform.HostAgent -c Release -o "$PLATFORM_BUILD/agent" --no-restore --verbosity quiet
      supervised agent "$PLATFORM_BUILD/agent" "${settings[@]}" Agent__JoinToken="$token" -- dotnet Platform.HostAgent.dll
    fi
    for _ in $(seq 1 60); do
      [ -f "$PLATFORM_AGENT_STATE/credential.json" ] && break
      running agent || fail_with_log "The HostAgent's supervisor is gone" agent
      sleep 1
    done
    [ -f "$PLATFORM_AGENT_STATE/credential.json" ] || fail_with_log "The HostAgent did not enrol" agent
  fi
  # Ready once the server has stayed available, with its desired state applied (a first network round included),
  # for three heartbeats: a switch still opening its bridge shows here as degraded, not as a launch that fails.
  local host state="" steady=0
  host=$(jq -r .host_id "$PLATFORM_AGENT_STATE/credential.json")
  for _ in $(seq 1 120); do
    state=$(host_state)
    case "$state" in
      "available true"*) steady=$((steady + 1)) ;;
      *) steady=0 ;;
    esac
    [ "$steady" -ge 3 ] && break
    running agent || fail_with_log "The HostAgent's supervisor is gone" agent
    sleep 2
  done
  [ "$steady" -ge 3 ] || fail_with_log "The server $host did not stay available (${state:-no heartbeat})" agent
  echo "HostAgent running (pid $(worker_pid agent)), host $host available; log: $(log_of agent)"
}

# A guest image built from deploy/<dir> and registered under <name> (format kernel), kept while those build files are
# unchanged: the image id and a digest of the files are recorded in $PLATFORM_DATA/<name>.sources. When the files change
# (a pull), the image is built again, the older image of that name deregistered (its running guests keep running) and the
# new one registered.
# publish_image <name> <dir under deploy/> <public: true|false> <label>
publish_image() {
  local name=$1 dir=$2 public=$3 label=$4
  local recorded="$PLATFORM_DATA/$name.sources" digest images existing
  digest=$(cat "deploy/$dir"/* | sha256sum | cut -d' ' -f1)
  images=$(signed "$PLATFORM_URL/api/v1/ec2/images")
  existing=$(jq -r --arg n "$name" '.images[] | select(.name == $n and .state == "available") | .image_id' <<<"$images")
  if [ -n "$existing" ] && [ "$(cat "$recorded" 2>/dev/null)" = "$existing $digest" ]; then
    echo "$label: $existing"
    return
  fi
  local out="$PLATFORM_DATA/$dir"
  "deploy/$dir/build.sh" "$out"
  # Names are unique in an account, as EC2's are: the older image goes before the new one is registered.
  local old id
  for old in $(jq -r --arg n "$name" '.images[] | select(.name == $n) | .image_id' <<<"$images"); do
    signed -X DELETE "$PLATFORM_URL/api/v1/ec2/images/$old" >/dev/null
    echo "$label $old deregistered: deploy/$dir changed since it was built"
  done
  id=$(signed -X POST -H 'Content-Type: application/json' \
    -d "{\"name\":\"$name\",\"format\":\"kernel\",\"command_line\":\"console=ttyS0 quiet no_timer_check cryptomgr.notests\",\"public\":$public}" \
    "$PLATFORM_URL/api/v1/ec2/images" | jq -r .image_id)
  for part in kernel:vmlinux initrd:initrd.img; do
    local file="$out/${part#*:}"
    signed -X PUT -H "x-amz-content-sha256: $(sha256sum "$file" | cut -d' ' -f1)" --data-binary "@$file" \
      "$PLATFORM_URL/api/v1/ec2/images/$id/${part%%:*}" >/dev/null
  done
  echo "$id $digest" >"$recorded"
  echo "$label: $id$([ "$public" = true ] && echo " (public)")"
}

# The test image (deploy/test-image), public: every account may launch it.
publish_test_image() { publish_image platform-test-image test-image true "Test image"; }

# The database image (deploy/db-image/build.sh: each DB instance's guest), private to the management account: the
# Database module boots the newest available image of this name (Rds:ImageName) the management account registered, never
# a tenant's, and no tenant can launch it.
publish_db_image() { publish_image platform-db-image db-image false "Database image"; }

# "ready", or "not ready: " and each failing check's name and detail (GET /readyz; docs/OPERATIONS.md).
readiness() {
  local body
  body=$(curl -sS --cacert "$PLATFORM_CA" "$PLATFORM_URL/readyz" 2>&1) || { echo "not ready: $body"; return 1; }
  jq -r 'if .status == "ready" then "ready" else "not ready: " + ([.checks[] | select(.status == "failing") | "\(.name): \(.detail)"] | join("; ")) end' <<<"$body" 2>/dev/null \
    || echo "not ready: $body"
  [ "$(jq -r .status <<<"$body" 2>/dev/null)" = ready ]
}

up() {
  deploy/install-prerequisites.sh
  start_api
  if [ -f "$PLATFORM_DATA/root-credentials.json" ]; then
    echo "Root access key of the management account: $PLATFORM_DATA/root-credentials.json (readable by root only)"
  fi
  deploy/start-test-daemons.sh
  start_agent
  publish_test_image
  publish_db_image
  local ready
  ready=$(readiness) || fail_with_log "The API is not ready: ${ready#not ready: }" api
  echo "Platform API $ready"
}

# One line per process (pid, since when, restarts and the last one's cause), then the server as the API sees it.
status() {
  local name
  for name in api agent; do
    if use_systemd; then
      local unit
      unit=$(unit_of "$name")
      printf '%-6s %s (systemd %s, pid %s, restarts %s)\n' "$name" "$(systemctl is-active "$unit" 2>/dev/null)" "$unit" \
        "$(systemctl show -p MainPID --value "$unit")" "$(systemctl show -p NRestarts --value "$unit")"
    elif pid_of "$name" >/dev/null; then
      local child since="" restarts last=""
      child=$(worker_pid "$name" || true)
      [ -f "$PLATFORM_RUN/$name.child" ] && since=$(date -u -d "@$(cut -d' ' -f2 "$PLATFORM_RUN/$name.child")" +%Y-%m-%dT%H:%M:%SZ)
      restarts=$(cat "$PLATFORM_RUN/$name.restarts" 2>/dev/null || echo 0)
      [ -f "$PLATFORM_RUN/$name.last-exit" ] && last="; last: $(cat "$PLATFORM_RUN/$name.last-exit")"
      if [ -n "$child" ]; then
        printf '%-6s running (pid %s since %s, restarts %s%s)\n' "$name" "$child" "$since" "$restarts" "$last"
      else
        printf '%-6s restarting (restarts %s%s)\n' "$name" "$restarts" "$last"
      fi
    else
      printf '%-6s stopped\n' "$name"
    fi
  done
  local state
  state=$(host_state)
  if [ -n "$state" ]; then
    local status=${state%% *} reason=${state#* * }
    printf 'server %s %s%s\n' "$(jq -r .host_id "$PLATFORM_AGENT_STATE/credential.json")" "$status" "${reason:+ ($reason)}"
  elif ! curl -fsS --cacert "$PLATFORM_CA" "$PLATFORM_URL/healthz" >/dev/null 2>&1; then
    echo "server unknown: the API does not answer at $PLATFORM_URL"
    return
  else
    echo "server not enrolled"
  fi
  echo "readyz $(readiness)"
}

down() {
  if use_systemd; then
    systemctl stop platform-hostagent platform-api 2>/dev/null || true
    echo "HostAgent and API stopped (the guests keep running)"
    return
  fi
  local name pid
  for name in agent api; do
    if pid=$(pid_of "$name"); then
      kill "$pid"
      for _ in $(seq 1 70); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      rm -f "$PLATFORM_RUN/$name.pid"
      echo "$([ "$name" = api ] && echo "Platform API" || echo "HostAgent (its guests keep running)") stopped"
    else
      echo "$([ "$name" = api ] && echo "Platform API" || echo "HostAgent") is not running"
    fi
  done
}

run_tests() {
  deploy/install-prerequisites.sh
  deploy/start-test-daemons.sh
  dotnet build Platform.sln -c Release --no-restore --verbosity quiet
  results=$(mktemp -d)
  status=0
  dotnet test Platform.sln -c Release --no-build --logger "trx" --results-directory "$results" -- RunConfiguration.DisableParallelization=false \
    | tee "$results/console.log" || status=$?
  # Then the fault-injection test on its own (tests/Platform.FaultInjection.Tests, about a minute): it restarts this
  # machine's libvirtd, ovsdb-server and ovs-vswitchd, which the real guests of the run above need. Its seed is printed
  # first; PLATFORM_FAULT_SEED=<seed> replays it. Its summary line is summed into the closing line below.
  dotnet test tests/Platform.FaultInjection.Tests -c Release --no-build -p:FaultInjection=true --logger "trx" --logger "console;verbosity=detailed" \
    --results-directory "$results" | tee -a "$results/console.log" || status=$?
  # Whatever happened to the test, the daemons it restarted run again.
  deploy/start-test-daemons.sh || status=$?
  # Each failed test again at the very end, with its message, the top of its stack and the end of its output, so
  # that the last lines of a long run (all a CI log may keep) say what failed and why.
  python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for trx in sorted(glob.glob(sys.argv[1] + "/*.trx")):
    for r in ET.parse(trx).getroot().iterfind(".//t:UnitTestResult", ns):
        if r.get("outcome") != "Failed":
            continue
        print(f"FAILED {r.get('testName')} ({r.get('duration')})")
        message = r.findtext(".//t:ErrorInfo/t:Message", "", ns).strip()
        stack = r.findtext(".//t:ErrorInfo/t:StackTrace", "", ns).strip().splitlines()
        output = r.findtext(".//t:Output/t:StdOut", "", ns).strip().splitlines()
        print("  message: " + message[:3000].replace("\n", "\n    "))
        for line in stack[:12]:
            print("  " + line.strip())
        if output:
            print(f"  last {min(len(output), 40)} of {len(output)} output lines:")
            for line in output[-40:]:
                print("    " + line[:400])
PY
  # One closing line for the whole run, summed over the test projects' own summaries.
  python3 - "$results/console.log" <<'PY'
import re, sys
passed = failed = skipped = 0
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    m = re.search(r"Failed:\s+(\d+), Passed:\s+(\d+), Skipped:\s+(\d+)", line)
    if m:
        failed += int(m.group(1)); passed += int(m.group(2)); skipped += int(m.group(3))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
  # PLATFORM_TEST_RESULTS=<dir> keeps the .trx files and the console log there.
  if [ -n "${PLATFORM_TEST_RESULTS:-}" ]; then mkdir -p "$PLATFORM_TEST_RESULTS" && cp -r "$results"/. "$PLATFORM_TEST_RESULTS"/; fi
  rm -rf "$results"
  return $status
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  test) run_tests ;;
  bench) deploy/install-prerequisites.sh && bench/run.sh ;;
  *) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
