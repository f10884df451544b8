#!/usr/bin/env bash
# Benchmarks of BENCHMARKS.md, each measured against its baseline in the same run.
#   ./scripts/bench.sh            all of them
#   ./scripts/bench.sh e2e|queue|upload|notify|history|api|ui|remote|mass|growth [options of that benchmark]
#   ./scripts/bench.sh e2e [--hosts] [--livelog] [--sandbox-ab]  one machine; across network namespaces; a build.log line to logs -f
#                                        across them; prestarted build sandboxes against ones made as each build starts
#   ./scripts/bench.sh remote [ITERATIONS]   client publish → job queued, against git + lookaside + rpmbuild -bs by hand
#   ./scripts/bench.sh history [--builds 1000000] [--events 4000]   SQLite and PostgreSQL history
#   ./scripts/bench.sh api [--builds 1000000] [--requests 300]      the web API on a SQLite history
#   ./scripts/bench.sh ui [--builds 1000000] [--runs 30]   the dashboard's first paint in chromium
#   ./scripts/bench.sh mass [--sizes 300,1000] [--workers 2]        mass rebuild against rpmbuild (xargs -P W) + one createrepo_c
#   ./scripts/bench.sh growth [--sizes 0,5000,20000] [--iterations 5]  single build as the target grows to 20,000 packages
# PREFIX=DIR installs the reimzul under test there instead of /usr/local.
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-all}
[[ $# -gt 0 ]] && shift

./scripts/install.sh
if [[ $which == all || $which == queue ]] && ! command -v npm >/dev/null; then
    # The queue benchmark compares against an npm beanstalkd client.
    SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
    $SUDO apt-get install -y -qq nodejs npm >/dev/null
fi

if [[ $which == all || $which == e2e ]]; then
    echo "== submit to repodata, burst, start-up"
    dotnet run --project bench/Reimzul.Bench -c Release -- --reimzul "${PREFIX:-/usr/local}/bin/reimzul" "$@"
fi
if [[ $which == all || $which == mass ]]; then
    echo "== mass rebuild: bulk submit to all listed, against bare rpmbuild + one createrepo_c"
    dotnet run --project bench/Reimzul.Bench -c Release -- mass --reimzul "${PREFIX:-/usr/local}/bin/reimzul" "$@"
fi
if [[ $which == all || $which == growth ]]; then
    echo "== growth: a single build into a target grown to 20,000 packages"
    dotnet run --project bench/Reimzul.Bench -c Release -- growth --reimzul "${PREFIX:-/usr/local}/bin/reimzul" "$@"
fi
if [[ $which == all || $which == queue ]]; then
    echo "== queue: our beanstalkd client against fivebeans and a raw pipelined client"
    dotnet run --project bench/Reimzul.QueueBench -c Release -- "$@"
fi
if [[ $which == all || $which == notify ]]; then
    echo "== notifier: events through log, outbox and SQLite history to aiosmtpd and mosquitto, against raw SQLite inserts"
    dotnet run --project bench/Reimzul.NotifyBench -c Release -- "$@"
fi
if [[ $which == all || $which == history ]]; then
    echo "== history: queries on a generated history, RecordAsync against the raw insert rate (SQLite, PostgreSQL)"
    dotnet run --project bench/Reimzul.HistoryBench -c Release -- "$@"
fi
if [[ $which == all || $which == ui ]]; then
    echo "== web UI: the dashboard in Debian's chromium over a generated history, against an empty one"
    dotnet run --project bench/Reimzul.UiBench -c Release -- --reimzul "${PREFIX:-/usr/local}/bin/reimzul" "$@"
fi
if [[ $which == all || $which == api ]]; then
    echo "== api: /api/v1 builds list and package page on a generated history, over loopback HTTP"
    dotnet run --project bench/Reimzul.ApiBench -c Release -- "$@"
fi
if [[ $which == all || $which == upload ]]; then
    echo "== upload to bstore over TLS: HttpResultStore against curl and a local copy"
    dotnet run --project bench/Reimzul.UploadBench -c Release -- "$@"
fi
if [[ $which == all || $which == remote ]]; then
    echo "== remote build from git: reimzul client publish to job queued, against clone + lookaside + rpmbuild -bs by hand"
    ./scripts/bench-remote.sh "$@"
fi
