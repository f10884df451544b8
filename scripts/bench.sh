#!/usr/bin/env bash
# Benchmarks of BENCHMARKS.md: installs the native reimzul, then measures it against the bare tools.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install.sh
dotnet run --project bench/Reimzul.Bench -c Release -- --reimzul "${PREFIX:-/usr/local}/bin/reimzul" "$@"
