#!/usr/bin/env bash
# Runs every test project and ends with one line: "N passed, N failed[, N skipped]".
set -uo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh || exit 1

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

dotnet build Reimzul.slnx -c Release -nologo -v quiet || { echo "0 passed, 1 failed"; exit 1; }

status=0
for project in tests/*/*.csproj; do
    name=$(basename "$project" .csproj)
    dotnet test "$project" -c Release --no-build -nologo \
        --logger "trx;LogFileName=$name.trx" --results-directory "$results" "$@" || status=1
done

# Sum the counters of every TRX file: dotnet test prints a summary per project only. A skipped test is
# counted in "total" but not in "executed" (its "notExecuted" counter stays 0).
read -r passed failed skipped < <(
    cat "$results"/*.trx 2>/dev/null | grep -o '<Counters [^>]*>' | awk '
        { for (i = 1; i <= NF; i++) { split($i, kv, "="); gsub(/"/, "", kv[2]); c[kv[1]] += kv[2] } }
        END { printf "%d %d %d\n", c["passed"], c["failed"] + c["error"] + c["timeout"] + c["aborted"], c["total"] - c["executed"] + c["inconclusive"] }')

if [[ -z "${passed:-}" || "$passed" -eq 0 && "$failed" -eq 0 ]]; then
    echo "0 passed, 1 failed"
    exit 1
fi
[[ "$failed" -eq 0 ]] || status=1
if [[ "$skipped" -gt 0 ]]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
exit $status
