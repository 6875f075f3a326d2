#!/usr/bin/env bash
# Prints a one-time join token for a new server, signed with the management account's root key (over HTTPS:
# the token is a secret). The new server also needs $PLATFORM_DATA/ca.pem (deploy/install-agent.sh's CA_FILE).
#   deploy/create-join-token.sh [ZONE]      (as root on the API node)
set -euo pipefail
zone=${1:-}
: "${PLATFORM_DATA:=/var/lib/platform}" "${PLATFORM_URL:=https://127.0.0.1:8443}" "${PLATFORM_REGION:=us-east-1}"
: "${PLATFORM_CA:=$PLATFORM_DATA/ca.pem}"
creds="$PLATFORM_DATA/root-credentials.json"
body='{}'
[ -n "$zone" ] && body="{\"availability_zone\":\"$zone\"}"
curl -fsS --cacert "$PLATFORM_CA" --aws-sigv4 "aws:amz:$PLATFORM_REGION:ec2" --user "$(jq -r .access_key_id "$creds"):$(jq -r .secret_access_key "$creds")" \
  -H 'Content-Type: application/json' -d "$body" "$PLATFORM_URL/api/v1/ec2/hosts/join-tokens" | jq -r .join_token
