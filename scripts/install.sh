#!/usr/bin/env bash
# Builds reimzul as a native executable and puts it on PATH as /usr/local/bin/reimzul.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh

case "$(uname -m)" in
    x86_64) rid=linux-x64 ;;
    aarch64) rid=linux-arm64 ;;
    *) echo "no native build for $(uname -m); use 'dotnet run --project src/Reimzul.Cli'" >&2; exit 1 ;;
esac

prefix=${PREFIX:-/usr/local}
SUDO=""
[[ $(id -u) -eq 0 || -w "$prefix" ]] || SUDO="sudo"

echo "==> building reimzul (native, $rid)"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
dotnet publish src/Reimzul.Cli/Reimzul.Cli.csproj -c Release -r "$rid" -nologo -v quiet -o "$out" >/dev/null
$SUDO mkdir -p "$prefix/lib/reimzul" "$prefix/bin"
# Copy then rename: a running reimzul keeps its old file, and the new one takes its name.
for f in "$out/reimzul" "$out"/*.so; do
    $SUDO cp "$f" "$prefix/lib/reimzul/.$(basename "$f").new"
    $SUDO mv -f "$prefix/lib/reimzul/.$(basename "$f").new" "$prefix/lib/reimzul/$(basename "$f")"
done
$SUDO ln -sf "$prefix/lib/reimzul/reimzul" "$prefix/bin/reimzul"
echo "==> installed $prefix/bin/reimzul"

# The MongoDB history store runs as a program of its own ([history] backend = mongodb): its driver cannot be
# compiled native, so it is framework-dependent (needs the .NET runtime) and reimzul finds it in history-mongodb/.
echo "==> building reimzul-history-mongodb (framework-dependent)"
mongo_out=$(mktemp -d)
trap 'rm -rf "$out" "$mongo_out"' EXIT
dotnet publish src/Reimzul.HistoryMongoDb/Reimzul.HistoryMongoDb.csproj -c Release --no-self-contained -nologo -v quiet -o "$mongo_out" >/dev/null
$SUDO rm -rf "$prefix/lib/reimzul/.history-mongodb.new"
$SUDO cp -r "$mongo_out" "$prefix/lib/reimzul/.history-mongodb.new"
$SUDO rm -rf "$prefix/lib/reimzul/history-mongodb"
$SUDO mv "$prefix/lib/reimzul/.history-mongodb.new" "$prefix/lib/reimzul/history-mongodb"
echo "==> installed $prefix/lib/reimzul/history-mongodb/reimzul-history-mongodb"
