#!/bin/bash
# The Debian package: dpkg -i links the hook and restarts libvirtd, a VM with a rule then really gets its
# hugepages, dpkg -r leaves no trace but the config, and dpkg --purge removes that too. Runs last: it swaps the
# install/install.sh installation for the package and puts it back afterwards.
source "$(dirname "$0")/../lib.sh"
deb=/mnt/host/hookdispatcher.deb
[[ -f $deb ]] || { fail "no package in the share: run ./build.sh e2e (it builds the .deb) or pass --deb"; exit 1; }
restore() {
  bash /mnt/host/install/install.sh --binary /mnt/host/hookctl --force --restart-libvirtd >/dev/null 2>&1
}
trap 'rc=$?; restore; (exit $rc); _e2e_exit' EXIT

check "uninstall.sh --purge removes the script installation" bash /mnt/host/install/uninstall.sh --purge
check "the hook link is gone" test ! -e "$HOOK"
out=$(dpkg -i "$deb" 2>&1); rc=$?
echo "$out"
check "dpkg -i succeeds" test "$rc" -eq 0
expect_eq "hook link" "$(readlink "$HOOK")" "/usr/bin/hookctl"
check "postinst restarted libvirtd" grep -qF "restarting libvirtd" <<<"$out"
check "libvirtd answers" eventually 60 virsh list
check "the package made the config drop-in directory" test -d /etc/hookdispatcher/config.d

base=$(hp_total)
name=e2e-deb
write_rule "$name" '{"hugepages": {"pageSize": "2M", "count": 8}}'
check "define $name" define_domain "$name"
check "virsh start $name" virsh start "$name" || exit 1
expect_eq "HugePages_Total while $name runs (the packaged hook ran)" "$(hp_total)" "$((base + 8))"
out=$(dpkg -r hookdispatcher 2>&1); rc=$?
check "dpkg -r is refused while $name holds pages" test "$rc" -ne 0
check "the refusal names the domain" grep -qF "$name.json" <<<"$out"
check "virsh destroy $name" virsh destroy "$name"
check "pages given back" eventually 20 hp_is "$base"
check "virsh undefine $name" virsh undefine "$name"
rm -f "$RULES_DIR/$name.json"

echo '{ "rulesDir": "/etc/hookdispatcher/hooks.d", "stateDir": "/run/hookdispatcher", "lockTimeoutSeconds": 20 }' > /etc/hookdispatcher/config.json
check "dpkg -r succeeds" dpkg -r hookdispatcher
check "binary removed" test ! -e /usr/bin/hookctl
check "hook link removed" test ! -e "$HOOK"
check "the edited config is kept" grep -qF lockTimeoutSeconds /etc/hookdispatcher/config.json
left=$(dpkg -L hookdispatcher 2>/dev/null | grep -v '^/etc' | while read -r f; do [[ -f $f ]] && echo "$f"; done)
expect_eq "files left outside /etc" "$left" ""
check "dpkg --purge succeeds" dpkg --purge hookdispatcher
check "purge removes /etc/hookdispatcher" test ! -e /etc/hookdispatcher
check "libvirtd still answers after removal" eventually 60 virsh list
