#!/usr/bin/env bash
# The chaos test, longer than CI runs it: roles and servers SIGKILLed at random while builds run, on both
# queue backends, checking that nothing is lost, no NEVRA is published twice and nothing is left behind.
#
#   ./scripts/chaos.sh [ROUNDS] [SECONDS_OF_KILLING] [NOARCH_BUILDS]     (defaults: 3 rounds, 300 s, 12 builds)
#   REIMZUL_CHAOS_SEED=N ./scripts/chaos.sh 1    replays the kills of a failed round (its seed is in the failure)
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${1:-3}
export REIMZUL_CHAOS_SECONDS=${2:-300}
export REIMZUL_CHAOS_BUILDS=${3:-12}

./scripts/install-deps.sh
dotnet build tests/Reimzul.Tests -c Release -nologo -v quiet

for round in $(seq 1 "$rounds"); do
    echo "chaos round $round of $rounds: ${REIMZUL_CHAOS_SECONDS}s of kills, ${REIMZUL_CHAOS_BUILDS} noarch builds and a chain per backend"
    dotnet test tests/Reimzul.Tests -c Release --no-build -nologo --filter "FullyQualifiedName~EndToEnd.Chaos"
done
