#!/bin/bash
# hookctl doctor on the real guest: the IOMMU group of the "GPU" 0000:01:00.0 with both functions and their drivers,
# cgroup v2 with cpuset, systemd and the installed hook ok; a new binary behind the hook needs no restart, but a hook
# put in place after libvirtd started (even with its old times) does (and is ok again after the restart); a rule with hugepages for a
# domain without <memoryBacking> is reported as a failure (exit 1). Read-only: nothing on the host changes.
source "$(dirname "$0")/../lib.sh"
name=e2e-doctor
line() { grep -F -- "$2" <<<"$1" | head -n 1; }

write_rule "$name" '{"gpu": {"devices": ["0000:01:00.0"], "singleGpu": true}, "hugepages": {"pageSize": "2M", "count": 4}}'
check "define $name (no <memoryBacking>)" define_domain "$name"
before=$(lspci -k -s 01:00; cat /proc/sys/vm/nr_hugepages)
t0=$(date +%s%N)
out=$(hookctl doctor "$name"); rc=$?
echo "doctor took $((($(date +%s%N) - t0) / 1000000)) ms"
echo "$out"
expect_eq "doctor exits 1 (a check failed)" "$rc" 1
check "IOMMU on" grep -qE '^  ok   IOMMU: Intel VT-d on, [0-9]+ group' <<<"$out"
check "vfio-pci available" grep -qE '^  ok   vfio-pci: ' <<<"$out"
check "cgroup v2 with cpuset" grep -qE '^  ok   cgroup: v2 with cpuset' <<<"$out"
check "systemd version reported ok (252 on Debian 12, 257 on 13)" grep -qE "^  ok   systemd: $(systemctl --version | awk 'NR==1 {print $2}')$" <<<"$out"
check "hook installed" grep -qE '^  ok   hook: /etc/libvirt/hooks/qemu -> /usr/local/bin/hookctl, executable, this hookctl$' <<<"$out"
check "libvirtd started after the hook" grep -qE '^  ok   libvirt daemon: libvirtd \(pid [0-9]+\) started' <<<"$out"
group=$(basename "$(readlink /sys/bus/pci/devices/0000:01:00.0/iommu_group)")
check "group of 01:00.0 with both functions" grep -qE "^  ok   PCI 0000:01:00.0: IOMMU group $group: 2 member\(s\)" <<<"$out"
check "GPU function and its driver" grep -qE '^ +0000:01:00.0 display controller \[0300\], driver bochs-drm, boot GPU$' <<<"$out"
check "audio function and its driver" grep -qE '^ +0000:01:00.1 multimedia device \[0403\], driver snd_hda_intel$' <<<"$out"
check "hugepages without <memoryBacking> reported" grep -qE '^  fail memoryBacking: the rule reserves hugepages but the XML has no <memoryBacking><hugepages/>' <<<"$out"
json=$(hookctl doctor "$name" --json)
check "--json: ok false" grep -qE '^  "ok": false,' <<<"$json"
check "--json: the memoryBacking check" grep -qF '"name": "memoryBacking"' <<<"$json"
expect_eq "doctor changed nothing" "$(lspci -k -s 01:00; cat /proc/sys/vm/nr_hugepages)" "$before"

# An upgrade: libvirtd found the hook when it started and execs the path each time, so a new binary behind it is run
# at once and needs no restart.
sleep 1.1
cp /usr/local/bin/hookctl /usr/local/bin/hookctl.new && mv -f /usr/local/bin/hookctl.new /usr/local/bin/hookctl
out=$(hookctl doctor "$name")
echo "$(line "$out" 'libvirt daemon:')"
check "a new binary behind the hook needs no restart" grep -qE '^  ok   libvirt daemon: libvirtd \(pid [0-9]+\) started' <<<"$out"
# A hook put in place after libvirtd started is not run until it restarts, even copied with its old times (cp -a).
cp -a /etc/libvirt/hooks/qemu /root/qemu.kept && rm /etc/libvirt/hooks/qemu && sleep 1.1 && mv /root/qemu.kept /etc/libvirt/hooks/qemu
out=$(hookctl doctor "$name")
echo "$(line "$out" 'libvirt daemon:')"
check "warns that libvirtd must be restarted" grep -qE '^  warn libvirt daemon: libvirtd \(pid [0-9]+\) started .*before the hook was put in place' <<<"$out"
check "names the fix" grep -qF 'restart it: systemctl restart libvirtd' <<<"$out"
sleep 1.1
check "restart libvirtd" systemctl restart libvirtd
check "ok again after the restart" eventually 20 bash -c "hookctl doctor $name | grep -qE '^  ok   libvirt daemon: libvirtd'"
