#!/usr/bin/env bash
# Start-up cost of the libvirt hook, against a native-AOT hello world and a typical bash hook script.
#   bench/startup.sh            (after ./build.sh; builds it if out/hookctl is missing)
#   RUNS=300 WARMUP=30 bench/startup.sh
# Measures, in one run, with hyperfine (median/mean/stddev, JSON in $OUT) and /usr/bin/time -f %M (peak RSS):
#   1. no-rules hook   out/hookctl as 'qemu norules prepare begin -' (the fast path every event of every VM takes)
#   2. AOT hello       dotnet new console + PublishAot + InvariantGlobalization, built here in /tmp
#   3. sh hook script  /bin/sh running a seed-style 'case "$2" in prepare) …' hook that does nothing for this domain
#   4. hookctl test    dry run of linux-workstation prepare on the shipped example rules
#   5. rules hook      'qemu withrules prepare begin -' then 'qemu withrules release end -' on a simulated host tree
# Every command gets exactly LC_ALL, PATH and HOOKDISPATCHER_CONFIG in its environment and a small domain XML on
# stdin. hyperfine 1.15 (Debian 12) has no --input and gives '-N' commands /dev/null as stdin, so each command runs
# as "exec CMD < XML" under hyperfine's default shell, whose spawn time hyperfine measures and subtracts.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
RUNS=${RUNS:-300}
WARMUP=${WARMUP:-30}
SLOW_RUNS=${SLOW_RUNS:-200}
HOOK_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

need_packages=()
command -v hyperfine >/dev/null || need_packages+=(hyperfine)
[ -x /usr/bin/time ] || need_packages+=(time)
command -v jq >/dev/null || need_packages+=(jq)
if [ ${#need_packages[@]} -gt 0 ]; then
  echo "installing: ${need_packages[*]}" >&2
  apt-get install -y -qq "${need_packages[@]}" >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq "${need_packages[@]}" >/dev/null; }
fi
command -v dotnet >/dev/null || { echo "startup.sh: the .NET SDK is needed to build the AOT hello world" >&2; exit 2; }
[ -x out/hookctl ] || ./build.sh

WORK=$(mktemp -d /tmp/hookdispatcher-startup.XXXXXX)
KEEP_OUT=${OUT:-}
OUT=${OUT:-$WORK/results}
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$OUT"

# --- fixtures --------------------------------------------------------------------------------------------------
mkdir -p "$WORK/bin" "$WORK/norules/rules" "$WORK/norules/state" "$WORK/rules/rules" "$WORK/rules/state"
ln -s "$REPO/out/hookctl" "$WORK/bin/qemu"
cat >"$WORK/domain.xml" <<'EOF'
<domain type='kvm'>
  <name>norules</name>
  <uuid>6f1e2d3c-4b5a-4697-8877-665544332211</uuid>
  <memory unit='KiB'>2097152</memory>
  <vcpu placement='static'>2</vcpu>
  <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>
</domain>
EOF
sed 's/<name>norules</<name>withrules</' "$WORK/domain.xml" >"$WORK/withrules.xml"
printf '{ "rulesDir": "%s", "stateDir": "%s" }\n' "$WORK/norules/rules" "$WORK/norules/state" >"$WORK/norules/config.json"

# Simulated host for the hook with rules: the pool file, meminfo and the two reclaim knobs.
SIM=$WORK/rules/host
mkdir -p "$SIM/sys/kernel/mm/hugepages/hugepages-2048kB" "$SIM/proc/sys/vm"
echo 0 >"$SIM/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
printf 'MemTotal:       24576000 kB\nMemFree:        20000000 kB\nMemAvailable:   22000000 kB\nCached:          1000000 kB\n' >"$SIM/proc/meminfo"
echo 0 >"$SIM/proc/sys/vm/drop_caches"
echo 0 >"$SIM/proc/sys/vm/compact_memory"
printf '{ "rulesDir": "%s", "stateDir": "%s", "hostRoot": "%s" }\n' "$WORK/rules/rules" "$WORK/rules/state" "$SIM" >"$WORK/rules/config.json"
echo '{"hugepages":{"pageSize":"2M","count":16}}' >"$WORK/rules/rules/withrules.json"
chmod 0644 "$WORK/rules/rules/withrules.json"

# A seed-style user hook: acts on one VM only, so for this domain it does nothing.
cat >"$WORK/seed-hook.sh" <<'EOF'
#!/bin/bash
# /etc/libvirt/hooks/qemu, the classic way
GUEST=win11
if [ "$1" != "$GUEST" ]; then
  exit 0
fi
case "$2" in
  prepare)
    echo 3 > /proc/sys/vm/drop_caches
    echo 1 > /proc/sys/vm/compact_memory
    echo 8192 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
    ;;
  release)
    echo 0 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
    ;;
esac
EOF

# --- the AOT hello world (our throwaway, not committed) ---------------------------------------------------------
echo "building the native-AOT hello world in $WORK/hello …" >&2
(
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
  cd "$WORK"
  dotnet new console -o hello -n hello --force >/dev/null
  dotnet publish hello/hello.csproj -c Release -r linux-x64 -o hello/out -nologo -v quiet \
    -p:PublishAot=true -p:InvariantGlobalization=true >/dev/null
)
HELLO=$WORK/hello/out/hello
[ -x "$HELLO" ] || { echo "startup.sh: the hello world did not build" >&2; exit 1; }

# --- sanity: each command does what we think, before timing it --------------------------------------------------
run_env() { env -i LC_ALL=C PATH="$HOOK_PATH" HOOKDISPATCHER_CONFIG="$1" "${@:2}"; }
NR_CFG=$WORK/norules/config.json
R_CFG=$WORK/rules/config.json
run_env "$NR_CFG" "$WORK/bin/qemu" norules prepare begin - <"$WORK/domain.xml"
[ "$(run_env "$NR_CFG" "$HELLO")" = "Hello, World!" ]
run_env "$NR_CFG" /bin/sh "$WORK/seed-hook.sh" norules prepare begin - <"$WORK/domain.xml"
run_env "$NR_CFG" out/hookctl test linux-workstation prepare --config hooks.d/examples/simulation.config.json \
  --xml hooks.d/examples/linux-workstation.xml >"$WORK/test-output.txt"
run_env "$R_CFG" "$WORK/bin/qemu" withrules prepare begin - <"$WORK/withrules.xml"
[ "$(cat "$SIM/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages")" = 16 ] \
  || { echo "startup.sh: the rules hook did not raise the simulated pool to 16" >&2; exit 1; }
run_env "$R_CFG" "$WORK/bin/qemu" withrules release end - <"$WORK/withrules.xml"
[ "$(cat "$SIM/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages")" = 0 ] \
  || { echo "startup.sh: the rules hook did not give the simulated pool back" >&2; exit 1; }
[ -z "$(ls -A "$WORK/norules/state")" ] || { echo "startup.sh: the no-rules hook wrote state" >&2; exit 1; }

# --- timing ------------------------------------------------------------------------------------------------------
# 'unset PWD' keeps the environment exactly the three variables (dash exports PWD otherwise).
NAMES=(norules hello shhook test rules)
LABELS=("no-rules hook (fast path)" "AOT hello world" "/bin/sh seed hook script" "hookctl test (dry run)" "rules hook prepare+release")
CMDS=(
  "unset PWD; exec '$WORK/bin/qemu' norules prepare begin - <'$WORK/domain.xml'"
  "unset PWD; exec '$HELLO' <'$WORK/domain.xml'"
  "unset PWD; exec /bin/sh '$WORK/seed-hook.sh' norules prepare begin - <'$WORK/domain.xml'"
  "unset PWD; exec '$REPO/out/hookctl' test linux-workstation prepare --config '$REPO/hooks.d/examples/simulation.config.json' --xml '$REPO/hooks.d/examples/linux-workstation.xml' <'$WORK/domain.xml'"
  "unset PWD; '$WORK/bin/qemu' withrules prepare begin - <'$WORK/withrules.xml' && exec '$WORK/bin/qemu' withrules release end - <'$WORK/withrules.xml'"
)
CFGS=("$NR_CFG" "$NR_CFG" "$NR_CFG" "$NR_CFG" "$R_CFG")
RUNCOUNTS=("$RUNS" "$RUNS" "$RUNS" "$SLOW_RUNS" "$SLOW_RUNS")

for i in "${!NAMES[@]}"; do
  echo "timing ${LABELS[$i]} (${RUNCOUNTS[$i]} runs) …" >&2
  run_env "${CFGS[$i]}" hyperfine --style basic --shell sh --warmup "$WARMUP" --runs "${RUNCOUNTS[$i]}" \
    --export-json "$OUT/${NAMES[$i]}.json" "${CMDS[$i]}" >"$OUT/${NAMES[$i]}.hyperfine.txt" 2>&1 \
    || { cat "$OUT/${NAMES[$i]}.hyperfine.txt" >&2; exit 1; }
done
[ "$(cat "$SIM/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages")" = 0 ] \
  || { echo "startup.sh: the simulated pool was not back at 0 after the timed runs" >&2; exit 1; }

# --- peak RSS (max over a few runs, KiB) --------------------------------------------------------------------------
RSS_RUNS=5
peak_rss() { # CONFIG STDIN CMD… -> max %M over RSS_RUNS runs
  local cfg=$1 input=$2 max=0 v
  shift 2
  for _ in $(seq "$RSS_RUNS"); do
    run_env "$cfg" /usr/bin/time -f %M -o "$WORK/rss" "$@" <"$input" >/dev/null
    v=$(tail -n 1 "$WORK/rss")
    [ "$v" -gt "$max" ] && max=$v
  done
  echo "$max"
}
RSS_norules=$(peak_rss "$NR_CFG" "$WORK/domain.xml" "$WORK/bin/qemu" norules prepare begin -)
RSS_hello=$(peak_rss "$NR_CFG" "$WORK/domain.xml" "$HELLO")
RSS_shhook=$(peak_rss "$NR_CFG" "$WORK/domain.xml" /bin/sh "$WORK/seed-hook.sh" norules prepare begin -)
RSS_test=$(peak_rss "$NR_CFG" "$WORK/domain.xml" out/hookctl test linux-workstation prepare \
  --config hooks.d/examples/simulation.config.json --xml hooks.d/examples/linux-workstation.xml)
rss_prep=0 rss_rel=0
for _ in $(seq "$RSS_RUNS"); do
  run_env "$R_CFG" /usr/bin/time -f %M -o "$WORK/rss" "$WORK/bin/qemu" withrules prepare begin - <"$WORK/withrules.xml"
  v=$(tail -n 1 "$WORK/rss"); [ "$v" -gt "$rss_prep" ] && rss_prep=$v
  run_env "$R_CFG" /usr/bin/time -f %M -o "$WORK/rss" "$WORK/bin/qemu" withrules release end - <"$WORK/withrules.xml"
  v=$(tail -n 1 "$WORK/rss"); [ "$v" -gt "$rss_rel" ] && rss_rel=$v
done
RSS_rules=$(( rss_prep > rss_rel ? rss_prep : rss_rel ))

# --- report --------------------------------------------------------------------------------------------------------
calc() { awk "BEGIN { print ($1) }"; }
ms() { jq -r ".results[0].$2 * 1000" "$OUT/$1.json"; }
HELLO_MEDIAN=$(ms hello median)
echo
echo "HookDispatcher start-up — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"
echo "hookctl $("$REPO/out/hookctl" --version) ($(stat -c %s "$REPO/out/hookctl") bytes); AOT hello world $(stat -c %s "$HELLO") bytes; hyperfine $(hyperfine --version | cut -d' ' -f2)"
echo "hyperfine, shell-spawn corrected, warmup $WARMUP; times in ms; ratio = median / AOT hello median; RSS = max of $RSS_RUNS runs"
echo
printf '%-28s %5s %8s %8s %8s %8s %8s %7s %9s\n' command runs median mean stddev min max ratio "peak RSS"
for i in "${!NAMES[@]}"; do
  n=${NAMES[$i]}
  med=$(ms "$n" median)
  rss_var=RSS_$n
  printf '%-28s %5d %8.2f %8.2f %8.2f %8.2f %8.2f %6.2fx %5.1f MiB\n' "${LABELS[$i]}" \
    "$(jq '.results[0].times | length' "$OUT/$n.json")" "$med" "$(ms "$n" mean)" "$(ms "$n" stddev)" \
    "$(ms "$n" min)" "$(ms "$n" max)" "$(calc "$med / $HELLO_MEDIAN")" "$(calc "${!rss_var} / 1024")"
done
echo
echo "'rules hook prepare+release' is one iteration: prepare (16 × 2M pages on the simulated tree, state journalled) then release;"
echo "its peak RSS is the larger of the two. 'hookctl test' prints only the hugepages section for linux-workstation: the"
echo "gpu, cpuIsolation and sleepInhibitor handlers are not implemented yet, so this dry run is cheaper than a full one will be."
echo

NR_MEDIAN=$(ms norules median)
verdict() { if [ "$(calc "$1")" = 1 ]; then echo PASS; else echo MISS; fi; }
printf '%-58s %-22s %s\n' target measured result
printf '%-58s %-22s %s\n' "no-rules hook median <= 1.3 x AOT hello world median" \
  "$(printf '%.2f / %.2f ms = %.2fx' "$NR_MEDIAN" "$HELLO_MEDIAN" "$(calc "$NR_MEDIAN / $HELLO_MEDIAN")")" \
  "$(verdict "$NR_MEDIAN <= 1.3 * $HELLO_MEDIAN")"
printf '%-58s %-22s %s\n' "no-rules hook peak RSS <= 16 MiB" "$(printf '%.1f MiB' "$(calc "$RSS_norules / 1024")")" \
  "$(verdict "$RSS_norules <= 16384")"
printf '%-58s %-22s %s\n' "hookctl test peak RSS <= 16 MiB" "$(printf '%.1f MiB' "$(calc "$RSS_test / 1024")")" \
  "$(verdict "$RSS_test <= 16384")"
echo
if [ -n "${KEEP_OUT:-}" ]; then echo "raw hyperfine output and JSON: $OUT"; else echo "(set OUT=DIR to keep the raw hyperfine output and JSON)"; fi
