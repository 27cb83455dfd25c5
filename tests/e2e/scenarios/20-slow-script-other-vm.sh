#!/bin/bash
# One VM's prepare sits in a slow user script while a second VM starts and is destroyed: the second's events do
# not wait for the first (the host lock is held only for ledger updates, not across scripts), both end clean.
source "$(dirname "$0")/../lib.sh"
config=/etc/hookdispatcher/config.json
# The installed config is put back on exit, whatever happens.
cp -p "$config" "$XML_DIR/config.json.saved"
trap 'rc=$?; cp -p "$XML_DIR/config.json.saved" "$config"; (exit $rc); _e2e_exit' EXIT
# A lock wait far shorter than the script: a hook holding the lock across A's script failed B's prepare.
install -d -m 0755 /etc/hookdispatcher
printf '{ "rulesDir": "%s", "stateDir": "%s", "lockTimeoutSeconds": 4 }\n' "$RULES_DIR" "$STATE_DIR" > "$config"
chmod 0644 "$config"
base=$(hp_total)
units=(system.slice user.slice init.scope)
declare -A before
for u in "${units[@]}"; do before[$u]=$(allowed_cpus "$u"); done
write_rule e2e-slow '{"hugepages": {"pageSize": "2M", "count": 8}, "scripts": [{"name": "slow", "run": ["/bin/sleep", "20"], "timeoutSeconds": 60}]}'
write_rule e2e-quick '{"hugepages": {"pageSize": "2M", "count": 4}, "cpuIsolation": {"hostCpus": "0", "at": "prepare"}, "sleepInhibitor": true}'
check "define e2e-slow" define_domain e2e-slow
check "define e2e-quick" define_domain e2e-quick

virsh start e2e-slow > "$XML_DIR/slow.out" 2>&1 &
slow=$!
check "e2e-slow's prepare reaches its script" eventually 30 grep -qF '"scripts:slow"' "$(state_file e2e-slow)"
t0=$SECONDS
check "virsh start e2e-quick while e2e-slow's script runs" virsh start e2e-quick
echo "virsh start e2e-quick took $((SECONDS - t0)) s"
expect_eq "HugePages_Total with both" "$(hp_total)" "$((base + 12))"
expect_eq "AllowedCPUs of system.slice while e2e-quick runs" "$(allowed_cpus system.slice)" "0"
check "logind lists e2e-quick's inhibitor" bash -c "systemd-inhibit --list --no-pager | grep -qF 'libvirt domain e2e-quick'"
check "virsh destroy e2e-quick" virsh destroy e2e-quick
check "e2e-quick's state is gone" eventually 15 test ! -e "$(state_file e2e-quick)"
expect_eq "HugePages_Total after e2e-quick" "$(hp_total)" "$((base + 8))"
for u in "${units[@]}"; do expect_eq "AllowedCPUs of $u after e2e-quick" "$(allowed_cpus "$u")" "${before[$u]}"; done
check "e2e-slow is still starting (in its script)" kill -0 "$slow"

wait "$slow"
expect_eq "virsh start e2e-slow's exit status" "$?" 0
cat "$XML_DIR/slow.out"
check "e2e-slow runs" test "$(domstate e2e-slow)" = running
check "virsh destroy e2e-slow" virsh destroy e2e-slow
check "e2e-slow's state is gone" eventually 15 test ! -e "$(state_file e2e-slow)"
expect_eq "HugePages_Total after both" "$(hp_total)" "$base"
