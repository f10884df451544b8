#!/usr/bin/env bash
# Installs what Reimzul needs on Debian 12: the build tools it drives and, for the native
# (AOT) build of the reimzul program, clang and zlib. Idempotent; needs root (or sudo).
set -euo pipefail

packages=(rpm createrepo-c dnf gcc make sqlite3 clang zlib1g-dev iproute2 procps rsync systemd beanstalkd stunnel4 openssl curl bubblewrap util-linux python3-aiosmtpd mosquitto mosquitto-clients postgresql chromium git python3)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
    echo "==> installing: ${missing[*]}"
    SUDO=""
    [[ $(id -u) -eq 0 ]] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v dotnet >/dev/null; then
    echo "reimzul needs the .NET 10 SDK (dotnet) on PATH: https://learn.microsoft.com/dotnet/core/install/linux-debian" >&2
    exit 1
fi
