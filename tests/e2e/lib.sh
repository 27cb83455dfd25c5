# Sourced by every scenario (inside the guest, as root, with libvirtd running and hookctl installed as the hook).
# Prints "PASS …" / "FAIL …" lines; the scenario fails if any FAIL line appears or it exits non-zero.
# On exit it destroys and undefines every domain and removes the rules it wrote, so scenarios do not leak.

E2E_FAILED=0
E2E_RULES=()
E2E_UNITS=()
RULES_DIR=/etc/hookdispatcher/hooks.d
STATE_DIR=/run/hookdispatcher
HOOK=/etc/libvirt/hooks/qemu
XML_DIR=/run/e2e-xml
mkdir -p "$XML_DIR"

pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; E2E_FAILED=1; }

# check "desc" cmd… : passes when the command exits 0; on failure shows its exit code and output.
check() {
  local desc=$1 out rc; shift
  out=$("$@" 2>&1); rc=$?
  if ((rc == 0)); then pass "$desc"; else fail "$desc (exit $rc: $(printf '%s' "$out" | tail -n 3 | tr '\n' ' '))"; fi
  return $rc
}

# expect_eq "desc" actual expected
expect_eq() {
  if [[ $2 == "$3" ]]; then pass "$1 (= '$3')"; else fail "$1: expected '$3', got '$2'"; return 1; fi
}

# eventually SECS cmd… : retries the command every 0.5 s (E2E_POLL s) until it succeeds (journald and release can
# lag a little). It runs in this shell, so what the command sets stays set.
eventually() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do ((SECONDS < deadline)) || return 1; sleep "${E2E_POLL:-0.5}"; done
}

# Every virsh call is bounded so a stuck libvirtd fails the scenario instead of hanging the guest.
virsh() { timeout "${E2E_VIRSH_TIMEOUT:-180}" /usr/bin/virsh -c qemu:///system "$@"; }

# domain_xml NAME [mem_mib] [extra-xml] [devices-xml] : a tiny diskless domain with no network, video or balloon.
domain_xml() {
  local name=$1 mem=${2:-64} extra=${3:-} devices=${4:-}
  cat <<XML
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>$mem</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  $extra
  <devices>
    <video><model type='none'/></video>
    <memballoon model='none'/>
    $devices
  </devices>
</domain>
XML
}

# define_domain NAME [mem_mib] [extra-xml] : defines it; its XML stays in $XML_DIR/NAME.xml.
define_domain() {
  domain_xml "$@" > "$XML_DIR/$1.xml"
  virsh define "$XML_DIR/$1.xml" >/dev/null
}

# write_rule NAME JSON : the rule file for domain NAME.
write_rule() {
  install -d -m 0755 "$RULES_DIR"
  printf '%s\n' "$2" > "$RULES_DIR/$1.json"
  chmod 0644 "$RULES_DIR/$1.json"
  E2E_RULES+=("$RULES_DIR/$1.json")
}

state_file() { echo "$STATE_DIR/$1.json"; }
hp_total() { awk '/^HugePages_Total:/ {print $2}' /proc/meminfo; }
# hp_is N : HugePages_Total is N now (for eventually, which must re-read it on every try).
hp_is() { [[ $(hp_total) == "$1" ]]; }
# hp_pool SIZE : the global pool of that page size (1048576kB, 2048kB); hp_pool_is SIZE N for eventually.
hp_pool() { cat "/sys/kernel/mm/hugepages/hugepages-$1/nr_hugepages"; }
hp_pool_is() { [[ $(hp_pool "$1") == "$2" ]]; }
domstate() { virsh domstate "$1" 2>&1 | head -n 1; }

cleanup_domains() {
  local d
  for d in $(virsh list --all --name 2>/dev/null); do
    virsh destroy "$d" >/dev/null 2>&1
    virsh undefine "$d" >/dev/null 2>&1
  done
}

_e2e_exit() {
  local rc=$? u
  cleanup_domains
  ((${#E2E_RULES[@]})) && rm -f "${E2E_RULES[@]}"
  for u in "${E2E_UNITS[@]}"; do systemctl stop "$u"; rm -f "/etc/systemd/system/$u"; done
  ((${#E2E_UNITS[@]})) && systemctl daemon-reload
  ((rc == 0 && E2E_FAILED)) && rc=1
  exit $rc
}
trap _e2e_exit EXIT

# stand_in_unit UNIT : a service that just runs (a stand-in display manager), started now, removed on exit.
stand_in_unit() {
  printf '[Unit]\nDescription=Stand-in display manager for %s\n[Service]\nExecStart=/bin/sleep infinity\n' \
    "$(basename "$0" .sh)" > "/etc/systemd/system/$1"
  E2E_UNITS+=("$1")
  systemctl daemon-reload
  check "start $1" systemctl start "$1"
}

# allowed_cpus UNIT : systemd's AllowedCPUs of the unit ("" when unset).
allowed_cpus() { systemctl show -P AllowedCPUs "$1"; }

# effective_cpus UNIT : what the kernel enforces for the unit's cgroup.
effective_cpus() { cat "/sys/fs/cgroup/$1/cpuset.cpus.effective" 2>/dev/null; }

# pinned_xml CPU : <cputune> pinning the single vCPU and the emulator to CPU (define_domain's extra XML).
pinned_xml() { echo "<cputune><vcpupin vcpu='0' cpuset='$1'/><emulatorpin cpuset='$1'/></cputune>"; }
