#!/usr/bin/env bash
# Start-up cost of the libvirt hook, against a native-AOT hello world and a typical bash hook script.
#   bench/startup.sh                        (after ./build.sh; builds it if out/hookctl is missing)
#   RUNS=300 WARMUP=30 HF_RUNS=200 OUT=/tmp/startup bench/startup.sh      (OUT keeps the raw data)
# Measures, in one run:
#   1. no-rules hook   out/hookctl as 'qemu norules prepare begin -' (the fast path every event of every VM takes)
#   2. AOT hello       dotnet new console + PublishAot + InvariantGlobalization, built here in /tmp
#   3. sh hook script  /bin/sh running a seed-style 'case "$2" in prepare) …' hook that does nothing for this domain
#   4. hookctl test    dry run of linux-workstation prepare on the shipped example rules
#   5. rules hook      'qemu withrules prepare begin -' then 'qemu withrules release end -' on a simulated host tree
#   6. hookctl test win11  dry run of every handler: 'hookctl test win11 prepare' on the shipped simulated host
#                      (hooks.d/examples/simhost.config.json, the main job of build.sh run)
# Every command gets exactly LC_ALL, PATH and HOOKDISPATCHER_CONFIG as its environment and a small domain XML on stdin.
# Timing: an interleaved fork/exec loop (primary: wall and CPU medians), hyperfine as a cross-check (JSON in $OUT);
# peak RSS with /usr/bin/time -f %M.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
RUNS=${RUNS:-300}
WARMUP=${WARMUP:-30}
HF_RUNS=${HF_RUNS:-200}
HOOK_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

need_packages=()
command -v hyperfine >/dev/null || need_packages+=(hyperfine)
[ -x /usr/bin/time ] || need_packages+=(time)
command -v jq >/dev/null || need_packages+=(jq)
command -v gcc >/dev/null || need_packages+=(gcc)
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
printf 'MemTotal:       24576000 kB\nMemFree:        20000000 kB\nMemAvailable:   22000000 kB\nCached:          1000000 kB\nHugepagesize:       2048 kB\n' >"$SIM/proc/meminfo"
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
SIMHOST_CFG=$REPO/hooks.d/examples/simhost.config.json
WIN11_XML=$REPO/hooks.d/examples/simhost/etc/libvirt/qemu/win11.xml
run_env "$SIMHOST_CFG" out/hookctl test win11 prepare --xml "$WIN11_XML" >"$WORK/win11-output.txt"
grep -q gpu "$WORK/win11-output.txt" || { echo "startup.sh: 'hookctl test win11 prepare' planned no gpu step" >&2; exit 1; }

# --- timing 1: our interleaved loop (primary) ----------------------------------------------------------------------
# A small C runner forks and execs each command directly (no shell), with exactly the three variables as environment
# and the XML file as stdin, and takes the wall time (CLOCK_MONOTONIC around fork..wait4), the child's CPU time and
# ru_maxrss. Every round runs every command once, so a load change on a shared machine hits all of them alike.
cat >"$WORK/runner.c" <<'EOF'
/* runner SPEC ROUNDS WARMUP; SPEC lines (tab-separated): name, stdin file, HOOKDISPATCHER_CONFIG, executable, argv…
   prints per measured run: round, name, wall ns, cpu us (user+sys), maxrss KiB, exit code */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>
enum { MAXC = 16, MAXA = 32 };
struct cmd { char *name, *in, *exe, *argv[MAXA + 1], *envp[4]; };
static long long ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000LL + t.tv_nsec; }
int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: runner SPEC ROUNDS WARMUP\n"); return 2; }
    FILE *f = fopen(argv[1], "r");
    if (!f) { perror(argv[1]); return 2; }
    static struct cmd c[MAXC]; int n = 0; char *line = NULL; size_t cap = 0;
    while (n < MAXC && getline(&line, &cap, f) > 0) {
        line[strcspn(line, "\n")] = 0;
        char *field[MAXA + 4]; int k = 0;
        for (char *s = strtok(strdup(line), "\t"); s && k < MAXA + 4; s = strtok(NULL, "\t")) field[k++] = s;
        if (k < 5) continue;
        c[n].name = field[0]; c[n].in = field[1]; c[n].exe = field[3];
        for (int i = 4; i < k; i++) c[n].argv[i - 4] = field[i];
        c[n].envp[0] = "LC_ALL=C";
        c[n].envp[1] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        if (asprintf(&c[n].envp[2], "HOOKDISPATCHER_CONFIG=%s", field[2]) < 0) return 1;
        n++;
    }
    int rounds = atoi(argv[2]), warmup = atoi(argv[3]), devnull = open("/dev/null", O_WRONLY);
    for (int r = -warmup; r < rounds; r++) {
        for (int i = 0; i < n; i++) {
            int in = open(c[i].in, O_RDONLY);
            if (in < 0) { perror(c[i].in); return 1; }
            long long t0 = ns();
            pid_t pid = fork();
            if (pid == 0) {
                dup2(in, 0); dup2(devnull, 1); dup2(devnull, 2);
                execve(c[i].exe, c[i].argv, c[i].envp);
                _exit(127);
            }
            int status; struct rusage ru;
            if (pid < 0 || wait4(pid, &status, 0, &ru) != pid) { perror("fork/wait4"); return 1; }
            long long t1 = ns();
            close(in);
            if (r < 0) continue;
            long cpu = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000L + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
            printf("%d\t%s\t%lld\t%ld\t%ld\t%d\n", r, c[i].name, t1 - t0, cpu, ru.ru_maxrss,
                   WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        }
    }
    return 0;
}
EOF
gcc -O2 -Wall -o "$WORK/runner" "$WORK/runner.c"
T=$'\t'
{
  echo "norules${T}$WORK/domain.xml${T}$NR_CFG${T}$WORK/bin/qemu${T}$WORK/bin/qemu${T}norules${T}prepare${T}begin${T}-"
  echo "hello${T}$WORK/domain.xml${T}$NR_CFG${T}$HELLO${T}$HELLO"
  echo "shhook${T}$WORK/domain.xml${T}$NR_CFG${T}/bin/sh${T}/bin/sh${T}$WORK/seed-hook.sh${T}norules${T}prepare${T}begin${T}-"
  echo "test${T}$WORK/domain.xml${T}$NR_CFG${T}$REPO/out/hookctl${T}$REPO/out/hookctl${T}test${T}linux-workstation${T}prepare${T}--config${T}$REPO/hooks.d/examples/simulation.config.json${T}--xml${T}$REPO/hooks.d/examples/linux-workstation.xml"
  echo "rules-prepare${T}$WORK/withrules.xml${T}$R_CFG${T}$WORK/bin/qemu${T}$WORK/bin/qemu${T}withrules${T}prepare${T}begin${T}-"
  echo "win11${T}$WORK/domain.xml${T}$SIMHOST_CFG${T}$REPO/out/hookctl${T}$REPO/out/hookctl${T}test${T}win11${T}prepare${T}--xml${T}$WIN11_XML"
  echo "rules-release${T}$WORK/withrules.xml${T}$R_CFG${T}$WORK/bin/qemu${T}$WORK/bin/qemu${T}withrules${T}release${T}end${T}-"
} >"$WORK/spec.tsv"
echo "timing: $RUNS interleaved rounds of all commands (after $WARMUP warm-up rounds) …" >&2
"$WORK/runner" "$WORK/spec.tsv" "$RUNS" "$WARMUP" >"$OUT/runs.tsv"
awk -F'\t' '$6 != 0 { print "startup.sh: " $2 " exited " $6 " in round " $1; bad = 1 } END { exit bad }' "$OUT/runs.tsv" >&2
# prepare+release as one iteration: the sum of the two in each round.
awk -F'\t' -v OFS='\t' '$2 == "rules-prepare" { p[$1] = $3; c[$1] = $4; m[$1] = $5 }
  $2 == "rules-release" { print $1, "rules", p[$1] + $3, c[$1] + $4, (m[$1] > $5 ? m[$1] : $5), $6 }' "$OUT/runs.tsv" >>"$OUT/runs.tsv"
[ "$(cat "$SIM/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages")" = 0 ] \
  || { echo "startup.sh: the simulated pool was not back at 0 after the timed runs" >&2; exit 1; }

# stats NAME COLUMN -> "median mean stddev min max n" (column 3: wall ns, 4: cpu us; printed in ms)
stats() {
  awk -F'\t' -v n="$1" -v c="$2" '$2 == n { print ($c) / (c == 3 ? 1e6 : 1e3) }' "$OUT/runs.tsv" | sort -g | awk '
    { v[NR] = $1; s += $1; q += $1 * $1 }
    END { med = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; mean = s / NR
          sd = NR > 1 ? sqrt((q - NR * mean * mean) / (NR - 1)) : 0; printf "%.3f %.3f %.3f %.3f %.3f %d\n", med, mean, sd, v[1], v[NR], NR }'
}

# --- timing 2: hyperfine (cross-check) -------------------------------------------------------------------------------
# hyperfine 1.15 (Debian 12) has no --input and gives '-N' commands /dev/null as stdin, so each command runs as
# "exec CMD < XML" under sh, whose spawn time hyperfine measures and subtracts; and it times one command after the
# other, so load from other work on the machine lands unevenly. Hence only a cross-check of the table above.
NAMES=(norules hello shhook test rules win11)
LABELS=("no-rules hook (fast path)" "AOT hello world" "/bin/sh seed hook script" "hookctl test (dry run)" "rules hook prepare+release" "hookctl test win11 prepare")
CMDS=(
  "unset PWD; exec '$WORK/bin/qemu' norules prepare begin - <'$WORK/domain.xml'"
  "unset PWD; exec '$HELLO' <'$WORK/domain.xml'"
  "unset PWD; exec /bin/sh '$WORK/seed-hook.sh' norules prepare begin - <'$WORK/domain.xml'"
  "unset PWD; exec '$REPO/out/hookctl' test linux-workstation prepare --config '$REPO/hooks.d/examples/simulation.config.json' --xml '$REPO/hooks.d/examples/linux-workstation.xml' <'$WORK/domain.xml'"
  "unset PWD; '$WORK/bin/qemu' withrules prepare begin - <'$WORK/withrules.xml' && exec '$WORK/bin/qemu' withrules release end - <'$WORK/withrules.xml'"
  "unset PWD; exec '$REPO/out/hookctl' test win11 prepare --xml '$WIN11_XML' <'$WORK/domain.xml'"
)
CFGS=("$NR_CFG" "$NR_CFG" "$NR_CFG" "$NR_CFG" "$R_CFG" "$SIMHOST_CFG")
# ('unset PWD' keeps the environment exactly the three variables: dash exports PWD otherwise.)
for i in "${!NAMES[@]}"; do
  echo "hyperfine: ${LABELS[$i]} ($HF_RUNS runs) …" >&2
  run_env "${CFGS[$i]}" hyperfine --style basic --shell sh --warmup "$WARMUP" --runs "$HF_RUNS" \
    --export-json "$OUT/${NAMES[$i]}.json" "${CMDS[$i]}" >"$OUT/${NAMES[$i]}.hyperfine.txt" 2>&1 \
    || { cat "$OUT/${NAMES[$i]}.hyperfine.txt" >&2; exit 1; }
done

# --- peak RSS with /usr/bin/time -f %M (max over a few runs, KiB) ------------------------------------------------
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
RSS_win11=$(peak_rss "$SIMHOST_CFG" "$WORK/domain.xml" out/hookctl test win11 prepare --xml "$WIN11_XML")
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
hf() { jq -r ".results[0].$2 * 1000" "$OUT/$1.json"; }
read -r HELLO_MEDIAN _ < <(stats hello 3)
read -r HELLO_CPU _ < <(stats hello 4)
HF_HELLO=$(hf hello median)
echo
echo "HookDispatcher start-up — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "hookctl $("$REPO/out/hookctl" --version) ($(stat -c %s "$REPO/out/hookctl") bytes); AOT hello world $(stat -c %s "$HELLO") bytes"
echo
echo "Interleaved loop: $RUNS rounds (+$WARMUP warm-up), each command once per round, fork+execve, no shell; times in ms"
echo "wall = fork..wait4; ratio = wall median / AOT hello wall median; cpu = child user+sys (median, less sensitive to load)"
printf '%-28s %5s %8s %8s %8s %8s %8s %7s %8s %7s %9s\n' command runs median mean stddev min max ratio "cpu med" "cpu x" "peak RSS"
for i in "${!NAMES[@]}"; do
  n=${NAMES[$i]}
  read -r med mean sd min max count < <(stats "$n" 3)
  read -r cpu _ < <(stats "$n" 4)
  rss_var=RSS_$n
  printf '%-28s %5d %8.2f %8.2f %8.2f %8.2f %8.2f %6.2fx %8.2f %6.2fx %5.1f MiB\n' "${LABELS[$i]}" "$count" "$med" "$mean" "$sd" \
    "$min" "$max" "$(calc "$med / $HELLO_MEDIAN")" "$cpu" "$(calc "$cpu / $HELLO_CPU")" "$(calc "${!rss_var} / 1024")"
done
echo "(peak RSS: /usr/bin/time -f %M, max of $RSS_RUNS runs; for prepare+release the larger of the two)"
echo
echo "hyperfine $(hyperfine --version | cut -d' ' -f2) cross-check: one command after the other, $HF_RUNS runs, warmup $WARMUP, 'exec CMD < XML' under sh,"
echo "shell spawn time subtracted (hence values near 0 for sh); times in ms"
printf '%-28s %5s %8s %8s %8s %8s %8s %7s\n' command runs median mean stddev min max ratio
for i in "${!NAMES[@]}"; do
  n=${NAMES[$i]}
  med=$(hf "$n" median)
  printf '%-28s %5d %8.2f %8.2f %8.2f %8.2f %8.2f %6.2fx\n' "${LABELS[$i]}" "$(jq '.results[0].times | length' "$OUT/$n.json")" \
    "$med" "$(hf "$n" mean)" "$(hf "$n" stddev)" "$(hf "$n" min)" "$(hf "$n" max)" "$(calc "$med / $HF_HELLO")"
done
echo
echo "'rules hook prepare+release' is one iteration: 'qemu withrules prepare begin -' (16 × 2M pages on a simulated host tree,"
echo "state journalled) then 'qemu withrules release end -'. 'hookctl test' plans linux-workstation, whose rules have"
echo "only a hugepages section (a dry run of cpuIsolation also asks systemd for the current AllowedCPUs over D-Bus)."
echo

verdict() { if [ "$(calc "$1")" = 1 ]; then echo PASS; else echo MISS; fi; }
ratio_row() { # LABEL VALUE HELLO FACTOR -> one target row
  printf '%-54s %-26s %s\n' "$1" "$(printf '%.2f / %.2f ms = %.2fx' "$2" "$3" "$(calc "$2 / $3")")" "$(verdict "$2 <= $4 * $3")"
}
ratio_rows() { # NAME FACTOR LABEL -> wall, CPU and hyperfine rows of NAME against the hello world
  local med cpu
  read -r med _ < <(stats "$1" 3)
  read -r cpu _ < <(stats "$1" 4)
  ratio_row "$3" "$med" "$HELLO_MEDIAN" "$2"
  ratio_row "  (same, CPU time)" "$cpu" "$HELLO_CPU" "$2"
  ratio_row "  (same, hyperfine cross-check)" "$(hf "$1" median)" "$HF_HELLO" "$2"
}
printf '%-54s %-26s %s\n' target measured result
ratio_rows norules 1.3 "no-rules hook median <= 1.3 x AOT hello world median"
ratio_rows win11 2 "hookctl test win11 prepare median <= 2 x AOT hello"
printf '%-54s %-26s %s\n' "no-rules hook peak RSS <= 16 MiB" "$(printf '%.1f MiB' "$(calc "$RSS_norules / 1024")")" \
  "$(verdict "$RSS_norules <= 16384")"
printf '%-54s %-26s %s\n' "hookctl test peak RSS <= 16 MiB" "$(printf '%.1f MiB' "$(calc "$RSS_test / 1024")")" \
  "$(verdict "$RSS_test <= 16384")"
echo
if [ -n "$KEEP_OUT" ]; then echo "raw runs (runs.tsv) and hyperfine JSON: $OUT"; else echo "(set OUT=DIR to keep the raw runs and the hyperfine JSON)"; fi
