#!/usr/bin/env bash
# Remote build benchmark (BENCHMARKS.md): time from `reimzul client` starting to publish until its job is queued
# (the Accepted outcome on reimzul/builds/results), against the same git clone + lookaside fetch + sha256 check +
# rpmbuild -bs done by hand, in the same run, on the same loopback git and lookaside server.
#   ./scripts/bench-remote.sh [ITERATIONS]        REIMZUL=path/to/reimzul to measure another binary
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
iterations=${1:-15}
reimzul=${REIMZUL:-${PREFIX:-/usr/local}/bin/reimzul}
work=$(mktemp -d /tmp/reimzul-bench-remote.XXXXXX)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
cd "$work"
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.1; done; echo "nothing listens on $1" >&2; exit 1; }
now_ms() { date +%s%3N; }

# A test CA, the broker's certificate and two clients: the packager and mqtt-sub.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=Bench CA" -days 2 -keyout ca.key -out ca.crt 2>/dev/null
issue() { # NAME CN EXTENSIONS
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$2" -keyout "$1.key" -out "$1.csr" 2>/dev/null
    openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile <(printf '%b\n' "$3") -out "$1.crt" 2>/dev/null
}
issue broker localhost "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth"
issue alice alice "extendedKeyUsage=clientAuth"
issue sub reimzul-mqtt-sub "extendedKeyUsage=clientAuth"

# mosquitto with the shipped ACL.
mqtt_port=$(port)
cat > mosquitto.conf <<CONF
$( [[ $(id -u) -eq 0 ]] && echo "user root" )
per_listener_settings false
allow_anonymous false
listener $mqtt_port 127.0.0.1
cafile $work/ca.crt
certfile $work/broker.crt
keyfile $work/broker.key
require_certificate true
use_identity_as_username true
acl_file $root/docs/examples/mosquitto/reimzul.acl
CONF
mosquitto -c mosquitto.conf 2>mosquitto.log & pids+=($!)

# A small package in git (dumb HTTP) and its source in the lookaside, served by python's http.server.
http_port=$(port)
mkdir -p www/r/rpms pkg/SPECS
printf 'hello from the lookaside\n' > source.txt
sha=$(sha256sum source.txt | cut -d' ' -f1)
mkdir -p www/sources/hello-bench/c7 && cp source.txt "www/sources/hello-bench/c7/$sha"
cat > pkg/SPECS/hello-bench.spec <<'SPEC'
Name: hello-bench
Version: 1.0
Release: 1%{?dist}
Summary: Remote build benchmark package
License: MIT
BuildArch: noarch
Source0: hello.txt
%description
Benchmark package.
%install
mkdir -p %{buildroot}/usr/share/hello-bench
cp %{SOURCE0} %{buildroot}/usr/share/hello-bench/
%files
/usr/share/hello-bench/hello.txt
SPEC
echo "$sha SOURCES/hello.txt" > pkg/.hello-bench.metadata
echo "SOURCES/" > pkg/.gitignore
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
git -C pkg init -q -b c7 && git -C pkg add -A
git -C pkg -c user.name=b -c user.email=b@example.org commit -qm "import hello-bench-1.0-1.el7.src.rpm"
git clone -q --bare pkg www/r/rpms/hello-bench.git && git -C www/r/rpms/hello-bench.git update-server-info
python3 -m http.server "$http_port" --bind 127.0.0.1 --directory www >http.log 2>&1 & pids+=($!)
wait_port "$http_port"; wait_port "$mqtt_port"

# mqtt-sub on an embedded queue with no worker: each job stays queued.
cat > server.ini <<INI
[mqtt]
host = 127.0.0.1
port = $mqtt_port
ca_cert = $work/ca.crt
tls_cert = $work/sub.crt
tls_key = $work/sub.key
topic = reimzul
[scm]
git_url = http://127.0.0.1:$http_port
[acl]
alice = * c7-*
INI
cat > client.ini <<INI
[mqtt]
host = 127.0.0.1
port = $mqtt_port
ca_cert = $work/ca.crt
tls_cert = $work/alice.crt
tls_key = $work/alice.key
topic = reimzul/submit
INI
"$reimzul" mqtt-sub --config server.ini --data-dir "$work/data" 2>sub.log & pids+=($!)
for _ in $(seq 100); do grep -q "subscribed to" sub.log && break; sleep 0.1; done

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }
remote=(); hand=()
for i in $(seq "$iterations"); do
    # By hand: what mqtt-sub does, as shell commands.
    rm -rf hand && start=$(now_ms)
    git clone -q --single-branch --branch c7 "http://127.0.0.1:$http_port/r/rpms/hello-bench.git" hand
    mkdir -p hand/SOURCES && curl -sf -o hand/SOURCES/hello.txt "http://127.0.0.1:$http_port/sources/hello-bench/c7/$sha"
    echo "$sha  hand/SOURCES/hello.txt" | sha256sum -c --quiet
    rpmbuild -bs --define "_topdir $work/hand" --define "dist .el7" hand/SPECS/hello-bench.spec >/dev/null
    hand+=($(( $(now_ms) - start )))

    # Remote: client publish → mqtt-sub → git → SRPM → queued, seen as the Accepted outcome.
    mosquitto_sub -h 127.0.0.1 -p "$mqtt_port" --cafile ca.crt --cert alice.crt --key alice.key -t reimzul/builds/results -C 1 -W 60 >outcome.json & watcher=$!
    sleep 0.3
    start=$(now_ms)
    "$reimzul" client --config client.ini --data-dir "$work/client-data" -p hello-bench -b c7 -a x86_64 -t c7-bench -d .el7 >/dev/null
    wait "$watcher"
    remote+=($(( $(now_ms) - start )))
    grep -q '"status":"Accepted"' outcome.json || { echo "not accepted: $(cat outcome.json)" >&2; cat sub.log >&2; exit 1; }
done
h=$(printf '%s\n' "${hand[@]}" | median); r=$(printf '%s\n' "${remote[@]}" | median)
echo "by hand (git clone + lookaside + sha256 + rpmbuild -bs), median of $iterations: ${h} ms  [${hand[*]}]"
echo "reimzul client → job queued (Accepted), median of $iterations: ${r} ms  [${remote[*]}]"
echo "overhead: $(( r - h )) ms"
if [[ -n ${SHOW_OUTPUT:-} ]]; then
    # What a packager sees for a target [acl] does not allow them (for the README).
    echo "\$ reimzul client -p hello-bench -b c7 -a x86_64 -t c8-bench --wait"
    "$reimzul" client --config client.ini --data-dir "$work/client-data" -p hello-bench -b c7 -a x86_64 -t c8-bench --wait || echo "(exit $?)"
fi
