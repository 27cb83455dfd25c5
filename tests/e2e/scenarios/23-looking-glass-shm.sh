#!/bin/bash
# lookingGlass "shm" under real libvirt: a domain with <shmem name='e2e-lg'> (ivshmem-plain, 32 MiB) starts with
# /dev/shm/e2e-lg made before QEMU by the hook, owned by the client user (group kvm, 0660), and QEMU maps it;
# after destroy the file is gone.
source "$(dirname "$0")/../lib.sh"
name=e2e-lg
id -u e2e-alice >/dev/null 2>&1 || useradd --no-create-home --shell /usr/sbin/nologin e2e-alice
getent group kvm >/dev/null || groupadd --system kvm
write_rule "$name" '{"lookingGlass": {"owner": "e2e-alice", "group": "kvm", "width": 1920, "height": 1080}}'
check "define $name" define_domain "$name" 64 "" "<shmem name='$name'><model type='ivshmem-plain'/><size unit='M'>32</size></shmem>"
check "virsh start $name" virsh start "$name" || exit 1
ls -l "/dev/shm/$name"
expect_eq "/dev/shm/$name is the client's" "$(stat -c '%U:%G %a %s' "/dev/shm/$name")" "e2e-alice:kvm 660 33554432"
check "QEMU maps it" grep -q "/dev/shm/$name" "/proc/$(pgrep -f "guest=$name" | head -n 1)/maps"
check "virsh destroy $name" virsh destroy "$name"
check "state file gone after release" eventually 10 test ! -e "$(state_file "$name")"
check "/dev/shm/$name is removed" test ! -e "/dev/shm/$name"
userdel e2e-alice 2>/dev/null || true
