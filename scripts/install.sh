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
