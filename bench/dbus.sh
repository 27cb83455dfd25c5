#!/usr/bin/env bash
# What a VM's prepare + release with cpuIsolation and sleepInhibitor costs against a real bus: a private
# dbus-daemon with the tests' fake systemd/logind peer (tests/HookDispatcher.Tests/Reliability/SystemdPeer.cs).
# Several binaries are run interleaved, so a before/after comparison shares the machine's load:
#   bench/dbus.sh                                                   # out/hookctl alone
#   BINARIES="before=/tmp/main/hookctl after=out/hookctl" bench/dbus.sh
#   ROUNDS=200 WARMUP=20 bench/dbus.sh
#   WRAP="perf stat -x, -o /tmp/stat --append" bench/dbus.sh          # a command in front of every hook process
# Needs dbus-daemon and the .NET SDK (it builds the test project, which holds the peer). Not a test: prints figures.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
[ -x out/hookctl ] || ./build.sh
out=$(mktemp)
trap 'rm -f "$out"' EXIT
dotnet build tests/HookDispatcher.Tests -c Release -nologo -v quiet >/dev/null
HOOKDISPATCHER_BENCH_DBUS=1 BENCH_WRAP="${WRAP:-}" BENCH_BINARIES="${BINARIES:-hookctl=$PWD/out/hookctl}" BENCH_ROUNDS="${ROUNDS:-100}" \
  BENCH_WARMUP="${WARMUP:-10}" BENCH_OUT="$out" \
  dotnet test --project tests/HookDispatcher.Tests -c Release --no-build -- --filter-class HookDispatcher.Tests.Bench.DBusCostBench >/dev/null
echo "HookDispatcher D-Bus cost — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for pair in ${BINARIES:-hookctl=$PWD/out/hookctl}; do
  echo "${pair%%=*}: $("${pair#*=}" --version) ($(stat -c %s "${pair#*=}") bytes)"
done
cat "$out"
