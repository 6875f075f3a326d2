#!/usr/bin/env bash
# Adds a migration to one module for both providers: scripts/add-migration.sh Iam AddGroups
set -euo pipefail
module=${1:?module name, e.g. Iam}
name=${2:?migration name}
root=$(cd "$(dirname "$0")/.." && pwd)
project="$root/src/Modules/$module/Platform.Modules.$module"
cd "$root" && dotnet tool restore >/dev/null
cd "$project"
for provider in Sqlite SqlServer; do
  namespace="Platform.Modules.$module.Persistence.Migrations.$provider"
  dotnet ef migrations add "$name" --context "$provider${module}DbContext" \
    -o "Persistence/Migrations/$provider" -n "$namespace"
  # dotnet-ef places the model snapshot by its namespace; keep it beside its migrations.
  stray="Platform/Modules/$module/Persistence/Migrations/$provider"
  if [ -d "$stray" ]; then mv "$stray"/*.cs "Persistence/Migrations/$provider/"; fi
done
# Module implementation types are internal (tests/Platform.ArchitectureTests); EF finds internal migrations.
sed -i 's/^    public partial class /    internal partial class /' Persistence/Migrations/*/*.cs
rm -rf "$project/Platform"
