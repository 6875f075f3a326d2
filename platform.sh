#!/usr/bin/env bash
# Platform on one machine.
#   ./platform.sh up      install what is missing, build, start the API on the embedded database and a
#                         HostAgent for this machine, and publish the test image
#   ./platform.sh down    stop it
#   ./platform.sh test    run every test
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
export PLATFORM_DATA PLATFORM_URL PLATFORM_CA

pid_of() {
  [ -f "$PLATFORM_RUN/$1.pid" ] && kill -0 "$(cat "$PLATFORM_RUN/$1.pid")" 2>/dev/null && cat "$PLATFORM_RUN/$1.pid"
}
api_pid() { pid_of api; }

# A call to the API signed with the management account's root key (curl's own SigV4).
signed() {
  local creds="$PLATFORM_DATA/root-credentials.json"
  curl -fsS --cacert "$PLATFORM_CA" --aws-sigv4 "aws:amz:$PLATFORM_REGION:ec2" \
    --user "$(jq -r .access_key_id "$creds"):$(jq -r .secret_access_key "$creds")" "$@"
}

start_agent() {
  if pid=$(pid_of agent); then
    echo "HostAgent already running (pid $pid)"
    return
  fi
  dotnet publish src/HostAgent/Platform.HostAgent -c Release -o "$root/.build/agent" --no-restore --verbosity quiet
  # 0711: QEMU passes through to the pool and the consoles; the credential inside is 0600 (docs/OPERATIONS.md).
  mkdir -p "$PLATFORM_AGENT_STATE" && chmod 711 "$PLATFORM_AGENT_STATE"
  local token=""
  if [ ! -f "$PLATFORM_AGENT_STATE/credential.json" ]; then
    token=$(signed -X POST -H 'Content-Type: application/json' -d '{}' "$PLATFORM_URL/api/v1/ec2/hosts/join-tokens" | jq -r .join_token)
  fi
  (cd "$root/.build/agent" && Agent__ApiUrl="$PLATFORM_URL" Agent__ApiCaCertificate="$PLATFORM_CA" Agent__JoinToken="$token" Agent__StateDirectory="$PLATFORM_AGENT_STATE" \
    Agent__DomainType="$PLATFORM_DOMAIN_TYPE" exec nohup dotnet Platform.HostAgent.dll >>"$PLATFORM_LOG/agent.log" 2>&1) &
  echo $! >"$PLATFORM_RUN/agent.pid"
  for _ in $(seq 1 60); do
    [ -f "$PLATFORM_AGENT_STATE/credential.json" ] && break
    kill -0 "$(cat "$PLATFORM_RUN/agent.pid")" 2>/dev/null || { tail -n 40 "$PLATFORM_LOG/agent.log" >&2; exit 1; }
    sleep 1
  done
  # Ready once the API has its heartbeat: until then (a restarted agent, an API that was down) launches find no server.
  local host status=""
  host=$(jq -r .host_id "$PLATFORM_AGENT_STATE/credential.json")
  for _ in $(seq 1 60); do
    status=$(signed "$PLATFORM_URL/api/v1/ec2/hosts" 2>/dev/null | jq -r --arg h "$host" '.hosts[] | select(.host_id == $h) | .status' || true)
    [ "$status" = available ] && break
    kill -0 "$(cat "$PLATFORM_RUN/agent.pid")" 2>/dev/null || { tail -n 40 "$PLATFORM_LOG/agent.log" >&2; exit 1; }
    sleep 1
  done
  [ "$status" = available ] || { echo "The HostAgent did not report to the API; see $PLATFORM_LOG/agent.log" >&2; exit 1; }
  echo "HostAgent running (pid $(cat "$PLATFORM_RUN/agent.pid")), host $host available; log: $PLATFORM_LOG/agent.log"
}

# The test image (host kernel + busybox initramfs) as a public image, once.
publish_test_image() {
  local existing
  existing=$(signed "$PLATFORM_URL/api/v1/ec2/images" | jq -r '.images[] | select(.name == "platform-test-image") | .image_id' | head -n 1)
  if [ -n "$existing" ]; then
    echo "Test image: $existing"
    return
  fi
  local dir="$PLATFORM_DATA/test-image"
  deploy/test-image/build.sh "$dir"
  local id
  id=$(signed -X POST -H 'Content-Type: application/json' \
    -d '{"name":"platform-test-image","format":"kernel","command_line":"console=ttyS0 quiet no_timer_check cryptomgr.notests","public":true}' \
    "$PLATFORM_URL/api/v1/ec2/images" | jq -r .image_id)
  for part in kernel:vmlinux initrd:initrd.img; do
    local file="$dir/${part#*:}"
    signed -X PUT -H "x-amz-content-sha256: $(sha256sum "$file" | cut -d' ' -f1)" --data-binary "@$file" \
      "$PLATFORM_URL/api/v1/ec2/images/$id/${part%%:*}" >/dev/null
  done
  echo "Test image: $id (public)"
}

up() {
  deploy/install-prerequisites.sh
  if pid=$(api_pid); then
    echo "Platform API already running (pid $pid) at $PLATFORM_URL"
  else
    dotnet publish src/Platform.Api -c Release -o "$root/.build/api" --no-restore --verbosity quiet
    mkdir -p "$PLATFORM_DATA" "$PLATFORM_LOG" "$PLATFORM_RUN"
    chmod 700 "$PLATFORM_DATA"
    # Started from its own folder: that is where it finds appsettings.json.
    (cd "$root/.build/api" && Platform__DataDirectory="$PLATFORM_DATA" ASPNETCORE_URLS="$PLATFORM_URL" \
      exec nohup dotnet Platform.Api.dll >>"$PLATFORM_LOG/api.log" 2>&1) &
    echo $! >"$PLATFORM_RUN/api.pid"
    for _ in $(seq 1 60); do
      curl -fsS --cacert "$PLATFORM_CA" "$PLATFORM_URL/readyz" >/dev/null 2>&1 && break
      kill -0 "$(cat "$PLATFORM_RUN/api.pid")" 2>/dev/null || { tail -n 40 "$PLATFORM_LOG/api.log" >&2; exit 1; }
      sleep 1
    done
    curl -fsS --cacert "$PLATFORM_CA" "$PLATFORM_URL/readyz" >/dev/null || { echo "The API did not become ready; see $PLATFORM_LOG/api.log" >&2; exit 1; }
    echo "Platform API running (pid $(cat "$PLATFORM_RUN/api.pid")) at $PLATFORM_URL; log: $PLATFORM_LOG/api.log"
    echo "Its certificate's CA: $PLATFORM_CA (curl --cacert, aws --ca-bundle)"
  fi
  if [ -f "$PLATFORM_DATA/root-credentials.json" ]; then
    echo "Root access key of the management account: $PLATFORM_DATA/root-credentials.json (readable by root only)"
  fi
  deploy/start-test-daemons.sh
  start_agent
  publish_test_image
}

down() {
  if pid=$(pid_of agent); then
    kill "$pid"
    rm -f "$PLATFORM_RUN/agent.pid"
    echo "HostAgent stopped (its guests keep running)"
  fi
  if pid=$(api_pid); then
    kill "$pid"
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    rm -f "$PLATFORM_RUN/api.pid"
    echo "Platform API stopped"
  else
    echo "Platform API is not running"
  fi
}

run_tests() {
  deploy/install-prerequisites.sh
  deploy/start-test-daemons.sh
  dotnet build Platform.sln -c Release --no-restore --verbosity quiet
  results=$(mktemp -d)
  status=0
  dotnet test Platform.sln -c Release --no-build --logger "trx" --results-directory "$results" -- RunConfiguration.DisableParallelization=false \
    | tee "$results/console.log" || status=$?
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
  rm -rf "$results"
  return $status
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  test) run_tests ;;
  bench) deploy/install-prerequisites.sh && bench/run.sh ;;
  *) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
