#!/usr/bin/env bash
# The main job, on the embedded defaults: installs reimzul, builds the sample SRPMs, runs
# `reimzul up`, submits them, and shows the resulting yum repo as dnf sees it.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install.sh

demo=${REIMZUL_DEMO_DIR:-$HOME/reimzul-demo}
data="$demo/data"
rm -rf "$demo"
mkdir -p "$demo/rpmbuild"
target=demo

echo "==> building the sample SRPMs"
for spec in samples/*.spec; do
    rpmbuild -bs --define "_topdir $demo/rpmbuild" --define "dist %{nil}" "$spec" >/dev/null
done
mapfile -t srpms < <(ls "$demo"/rpmbuild/SRPMS/*.src.rpm)

echo "==> starting reimzul up (log: $demo/up.log)"
reimzul up --data-dir "$data" --workers 2 2>"$demo/up.log" &
up=$!
# SIGTERM, not SIGINT: a background job of a script starts with SIGINT ignored.
trap 'kill -TERM $up 2>/dev/null; wait $up 2>/dev/null || true' EXIT

for srpm in "${srpms[@]}"; do
    reimzul submit --data-dir "$data" -s "$srpm" -a "$(uname -m)" -t "$target" -d .el7
done

echo "==> waiting for the builds"
expected=$(( ${#srpms[@]} ))
[[ "$(uname -m)" == x86_64 ]] && expected=$(( expected + 1 ))   # hello-c gets its chained i386 build
for _ in $(seq 1 600); do
    done_count=$(grep -cE 'status (Success|Failed)' "$data/log/reimzul.log" 2>/dev/null || true)
    [[ "${done_count:-0}" -ge "$expected" ]] && break
    sleep 0.1
done
# The repo is regenerated right after the last build; give createrepo_c its moment.
repo="$data/bstore/repo/$target.$(uname -m)"
for _ in $(seq 1 300); do
    [[ -f "$repo/repodata/repomd.xml" ]] && [[ $(find "$repo" -name '*.rpm' -newer "$repo/repodata/repomd.xml" | wc -l) -eq 0 ]] && break
    sleep 0.1
done
sleep 0.5

echo
echo "==> build log ($data/log/reimzul.log)"
cat "$data/log/reimzul.log"
echo
echo "==> reimzul query -s Success"
reimzul query --data-dir "$data" -s Success
echo
echo "==> the yum repo $repo, as dnf sees it"
dnf -q --releasever=7 --setopt=reposdir=/dev/null --setopt=cachedir="$demo/dnf-cache" --setopt=demo.gpgcheck=0 \
    --repofrompath=demo,"$repo" --repo=demo repoquery --qf '%{name}-%{version}-%{release}.%{arch}'
echo
echo "==> staged for signing: $data/bstore/tosign/$target.$(uname -m)/"
ls "$data/bstore/tosign/$target.$(uname -m)/"
echo
echo "==> reimzul stats"
reimzul stats --data-dir "$data"
