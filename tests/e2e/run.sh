#!/usr/bin/env bash
# Real-host tests: boots a throwaway Debian guest under QEMU (TCG), installs hookctl there as the libvirt qemu hook,
# runs the scenarios against the guest's real libvirtd and prints the results.
#   tests/e2e/run.sh [--binary PATH] [--deb PATH] [scenario…]   (--deb: the package for scenario 90)
# A scenario is a name from tests/e2e/scenarios (with or without .sh, or just its NN prefix) or a path to a script.
# Environment: E2E_TIMEOUT (whole guest run, s, default 300 + 90 per scenario), E2E_SCENARIO_TIMEOUT (300), E2E_VIRSH_TIMEOUT
# (each virsh call, 180), E2E_KEEP=1 (keep the run dir), E2E_CACHE, E2E_MIRROR (Debian mirror for the image build),
# E2E_SUITE (the guest's Debian release: bookworm, the default, or trixie).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache_root=${E2E_CACHE:-/var/cache/hookdispatcher-e2e}
binary=$repo/out/hookctl
deb=""

die() { echo "e2e: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

scenarios=()
while (($#)); do
  case $1 in
    --binary) binary=${2:?--binary needs a path}; shift 2 ;;
    --binary=*) binary=${1#--binary=}; shift ;;
    --deb) deb=${2:?--deb needs a path}; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) scenarios+=("$1"); shift ;;
  esac
done
[[ $EUID -eq 0 ]] || die "must run as root (debootstrap, image build)"
[[ -f $binary ]] || die "no binary at $binary (build it with ./build.sh, or pass --binary PATH)"

# Resolve the scenario list before spending minutes on a boot.
resolved=()
if ((${#scenarios[@]} == 0)); then
  resolved=("$here"/scenarios/[0-9]*.sh)
else
  for s in "${scenarios[@]}"; do
    if [[ -f $s ]]; then resolved+=("$(cd "$(dirname "$s")" && pwd)/$(basename "$s")"); continue; fi
    match=("$here"/scenarios/"${s%.sh}"*.sh)
    [[ -f ${match[0]} ]] || die "no scenario matches '$s'"
    resolved+=("${match[@]}")
  done
fi

run= qemu_pid= building= keep_run=0
cleanup() {
  if [[ -n $qemu_pid ]] && kill -0 "$qemu_pid" 2>/dev/null; then
    # timeout(1) leads its own process group (it and QEMU): signal the group.
    kill -TERM -- -"$qemu_pid" 2>/dev/null || true
    timeout 15 tail --pid="$qemu_pid" -f /dev/null || kill -KILL -- -"$qemu_pid" 2>/dev/null || true
  fi
  [[ -n $building ]] && rm -rf "$building"
  [[ -n $run ]] || return 0
  if [[ ${E2E_KEEP:-0} == 1 || $keep_run == 1 ]]; then
    rm -f "$run/overlay.qcow2"; echo "e2e: run directory kept: $run" >&2
  else
    rm -rf "$run"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Host packages, installed the way a developer would.
missing=()
for p in qemu-system-x86 qemu-utils debootstrap; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "e2e: installing ${missing[*]}"
  timeout 300 apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The image is cached per hash of what goes into it.
export E2E_SUITE=${E2E_SUITE:-bookworm}
case $E2E_SUITE in bookworm|trixie) ;; *) die "E2E_SUITE must be bookworm or trixie, not '$E2E_SUITE'" ;; esac
key=$( (echo "$E2E_SUITE"; cat "$here/packages.txt" "$here/build-image.sh") | sha256sum | cut -c1-16)
cache=$cache_root/$key
mkdir -p "$cache_root"
exec 9>"$cache_root/.lock"
timeout 1800 flock 9 || die "timed out waiting for another image build ($cache_root/.lock)"
if [[ ! -f $cache/ready ]]; then
  echo "e2e: building guest image $key (once; several minutes)"
  start=$SECONDS
  rm -rf "$cache.tmp"; mkdir -p "$cache.tmp"; building=$cache.tmp
  if ! timeout 1800 "$here/build-image.sh" "$cache.tmp"; then rm -rf "$cache.tmp"; die "image build failed"; fi
  rm -rf "$cache"; mv "$cache.tmp" "$cache"; touch "$cache/ready"; building=
  echo "e2e: image built in $((SECONDS - start)) s"
fi
exec 9>&-

run=$(mktemp -d /tmp/hookdispatcher-e2e.XXXXXX)
share=$run/share

mkdir -p "$share/scenarios" "$share/results"
install -m 0755 "$binary" "$share/hookctl"
# The guest installs with the project's own install script, as the README tells users to.
mkdir -p "$share/install" "$share/hooks.d"
install -m 0755 "$repo/install/install.sh" "$repo/install/uninstall.sh" "$share/install/"
cp -r "$repo/install/man" "$repo/install/completion" "$share/install/"
install -m 0644 "$repo/hooks.d/rules.schema.json" "$share/hooks.d/"
if [[ -n $deb ]]; then
  [[ -f $deb ]] || die "no package at $deb (build it with ./build.sh deb)"
  install -m 0644 "$deb" "$share/hookdispatcher.deb"
fi
install -m 0644 "$here/lib.sh" "$share/lib.sh"
install -m 0755 "$here/guest/runner.sh" "$share/guest-runner.sh"
names=()
for s in "${resolved[@]}"; do
  n=$(basename "$s" .sh); names+=("$n")
  install -m 0755 "$s" "$share/scenarios/$n.sh"
done
printf '%s\n' "${names[@]}" > "$share/scenarios/order"
printf 'E2E_SCENARIO_TIMEOUT=%q\nE2E_VIRSH_TIMEOUT=%q\n' \
  "${E2E_SCENARIO_TIMEOUT:-300}" "${E2E_VIRSH_TIMEOUT:-180}" > "$share/env"

# boot_guest LIMIT : boots a fresh guest (a new overlay on the cached image) that runs $share/scenarios/order, with
# a watchdog on the runner's heartbeat (guest/runner.sh writes it to the serial console every 10 s, not through the
# share). The guest is stopped as wedged when it has beaten none after E2E_BOOT_LIMIT s (600), none for
# E2E_BEAT_LIMIT s (180) since, or names a scenario running E2E_SCENARIO_TIMEOUT + 90 s (its own timeout could not
# end it); LIMIT bounds the whole boot. Sets guest_rc and wedged ("" or why); the console is $run/console.$boot.log.
boot=0
boot_guest() {
  local limit=$1 start=$SECONDS beats=0 n last_beat=$SECONDS beat cur age
  local scenario_limit=$(( ${E2E_SCENARIO_TIMEOUT:-300} + 90 ))
  boot=$((boot + 1)) guest_rc=0 wedged=
  console=$run/console.$boot.log
  rm -f "$run/overlay.qcow2"
  qemu-img create -q -f qcow2 -F raw -b "$cache/base.raw" "$run/overlay.qcow2"
  echo "e2e: booting guest $boot ($(grep -c . "$share/scenarios/order") scenarios, timeout ${limit}s)"
  # The "GPU": a VGA function at 01:00.0 and its "HDMI audio" at 01:00.1 behind one root port, alone in an IOMMU group.
  # A second "GPU" (virtio-gpu-pci, 02:00.0) alone behind another: a PCIe function with FLR and a bus of its own, so
  # the kernel offers it reset methods (scenario 24); it stays on the virtio-pci transport, virtio_gpu blacklisted, so
  # the boot GPU keeps the console.
  # KVM is blacklisted too: the domains are TCG (type='qemu') and need none of it. kvm_amd loads (on TCG's emulated
  # SVM) around the first domain start, which is where one CI run's guest went silent; what is not needed is not loaded.
  timeout --kill-after=10 "$limit" qemu-system-x86_64 \
    -machine q35 -accel tcg,thread=multi -cpu max -smp 4 -m 4G -device intel-iommu \
    -display none -vga none -serial "file:$console" -monitor none -no-reboot \
    -kernel "$cache/vmlinuz" -initrd "$cache/initrd.img" \
    -append "root=/dev/vda rw console=ttyS0 intel_iommu=on iommu=pt systemd.unified_cgroup_hierarchy=1 panic=-1 no_timer_check modprobe.blacklist=virtio_gpu,kvm_amd,kvm_intel" \
    -drive "file=$run/overlay.qcow2,if=virtio,format=qcow2,cache=unsafe" \
    -virtfs "local,path=$share,mount_tag=host,security_model=none" \
    -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,addr=0x6 \
    -device VGA,bus=rp1,addr=0x0.0x0,multifunction=on \
    -device ich9-intel-hda,id=hdmi,bus=rp1,addr=0x0.0x1 -audiodev none,id=snd0 \
    -device hda-output,bus=hdmi.0,audiodev=snd0 \
    -device pcie-root-port,id=rp2,bus=pcie.0,chassis=2,addr=0x7 \
    -device virtio-gpu-pci,bus=rp2,addr=0x0 \
    -nic none </dev/null >"$run/qemu.$boot.log" 2>&1 &
  qemu_pid=$!
  while kill -0 "$qemu_pid" 2>/dev/null; do
    sleep 5
    n=$(grep -ac '^e2e-runner: ' "$console" 2>/dev/null || true)
    ((n != beats)) && { beats=$n; last_beat=$SECONDS; }
    beat=$(grep -a '^e2e-runner: alive ' "$console" 2>/dev/null | tail -n 1 | tr -d '\r' || true)
    read -r _ _ cur age <<<"$beat" || true
    if ((beats == 0 && SECONDS - start > ${E2E_BOOT_LIMIT:-600})); then
      wedged="no heartbeat from the runner ${E2E_BOOT_LIMIT:-600} s after boot"
    elif ((beats > 0 && SECONDS - last_beat > ${E2E_BEAT_LIMIT:-180})); then
      wedged="no heartbeat for ${E2E_BEAT_LIMIT:-180} s (last: $(grep -a '^e2e-runner: ' "$console" | tail -n 1 | tr -d '\r'))"
    elif [[ -n $cur && $cur != - ]] && ((${age:-0} > scenario_limit)); then
      wedged="scenario $cur still running after $age s (its timeout could not end it)"
    fi
    if [[ -n $wedged ]]; then
      echo "e2e: guest $boot wedged: $wedged; stopping it" >&2
      kill -KILL -- -"$qemu_pid" 2>/dev/null || true
      break
    fi
  done
  { wait "$qemu_pid"; } 2>/dev/null || guest_rc=$?   # (no "Killed" line from bash for a stopped guest)
  qemu_pid=
  echo "e2e: guest $boot ran $((SECONDS - start)) s"
}

# Boot (~75 s under TCG) plus a generous minute and a half per scenario: a loaded 2-core host is slow.
results=$share/results
diag=$run/diagnostics.txt
: > "$diag"
boot_guest "${E2E_TIMEOUT:-$((300 + 90 * ${#names[@]}))}"
# A guest that ended without finishing (wedged, timed out, crashed) is an event of the machine under the tests, not
# a scenario's FAIL: what it says is kept for the end of the output, and the scenarios it did not finish run once
# more in a fresh guest. A scenario that ends, pass or fail, is never run again.
while [[ ! -f $results/exitcode ]]; do
  keep_run=1
  current=$(grep -a '^e2e-runner: start ' "$console" 2>/dev/null | tail -n 1 | tr -d '\r' | cut -d' ' -f3)
  [[ -n $current && -f $results/$current.rc ]] && current=
  {
    if [[ -n $wedged ]]; then echo "e2e: guest $boot wedged${current:+ during $current}: $wedged"
    elif ((guest_rc == 124 || guest_rc == 137)); then echo "e2e: guest $boot timed out${current:+ during $current}"
    else echo "e2e: guest $boot stopped (qemu exit $guest_rc) without results${current:+, during $current}"; fi
    echo "--- qemu.$boot.log (tail)"; tail -n 5 "$run/qemu.$boot.log" 2>/dev/null || true
    echo "--- console.$boot.log (tail)"; tr -d '\r' < "$console" 2>/dev/null | grep -av '^\s*$' | tail -n 25 || true
    [[ -s $results/runner.log ]] && { echo "--- runner.log (tail)"; tail -n 5 "$results/runner.log"; }
    if [[ -n $current && -f $results/$current.log ]]; then echo "--- $current.log on guest $boot (tail)"; tail -n 10 "$results/$current.log"; fi
  } >> "$diag"
  [[ -n $current && -f $results/$current.log ]] && mv "$results/$current.log" "$results/$current.boot$boot.log"
  left=()
  for n in "${names[@]}"; do [[ -f $results/$n.rc ]] || left+=("$n"); done
  ((boot < 2 && ${#left[@]} > 0)) || break
  printf '%s\n' "${left[@]}" > "$share/scenarios/order"
  echo "e2e: running the ${#left[@]} scenario(s) guest $boot did not finish in a fresh guest" | tee -a "$diag"
  boot_guest "${E2E_TIMEOUT:-$((300 + 90 * ${#left[@]}))}"
done
runner_rc=$(cat "$results/exitcode" 2>/dev/null || echo none)

passed=0 failed=0
for n in "${names[@]}"; do
  log=$results/$n.log
  rc=$(cat "$results/$n.rc" 2>/dev/null || echo missing)
  echo "== $n"
  compgen -G "$results/$n.boot*.log" >/dev/null && echo "  (a guest ended during its first run, see the end of this output; this is its run in a fresh guest)"
  [[ -f $log ]] && { grep -E '^(PASS|FAIL) ' "$log" | sed 's/^/  /' || true; }
  if [[ $rc == 0 ]] && grep -q '^PASS ' "$log" && ! grep -q '^FAIL ' "$log"; then
    passed=$((passed + 1)); echo "PASS $n"
  else
    failed=$((failed + 1))
    if [[ -f $log ]]; then echo "  --- output (exit $rc), last lines:"; tail -n 15 "$log" | sed 's/^/  | /'
    else echo "  --- not run: the guest ended first"; fi
    echo "FAIL $n"
  fi
done
if ((failed)) || [[ $runner_rc != 0 ]]; then
  keep_run=1
  [[ -s $results/runner.log ]] && { echo "--- runner.log (tail)"; tail -n 20 "$results/runner.log"; }
fi
# Last, where a shortened log still shows it: why a guest ended early.
[[ -s $diag ]] && cat "$diag"
echo "$passed passed, $failed failed"
((failed == 0)) && [[ $runner_rc == 0 ]]
