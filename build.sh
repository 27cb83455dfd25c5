#!/usr/bin/env bash
# Build, test and run HookDispatcher.
#   ./build.sh           restore, build and publish the native-AOT binary to out/hookctl
#   ./build.sh run       build, then simulate the showcase VM win11 on the shipped simulated host and run
#                        'hookctl doctor' on it (the main job)
#   ./build.sh main-job  only the main job, with the binary already in out/
#   ./build.sh test      build, then the unit/integration tests and the real-host VM tests (tests/e2e);
#                        ends with one line "N passed, N failed, N skipped" over both
#   ./build.sh unit      only the unit/integration tests (fast)
#   ./build.sh e2e       only the VM tests: a Debian guest with real systemd, logind and libvirtd under QEMU
#   ./build.sh deb       build out/hookdispatcher_<version>_amd64.deb (dpkg-deb)
#   ./build.sh package   only the .deb, from the binary already in out/ (into $DEB_OUT, default out/)
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

publish() {
  dotnet publish src/HookDispatcher/HookDispatcher.csproj -c Release -r linux-x64 -o out -nologo -v quiet \
    -p:TreatWarningsAsErrors=true
  rm -f out/*.dbg out/*.pdb
  local extra
  extra=$(find out -mindepth 1 ! -name hookctl ! -name 'hookdispatcher_*.deb')
  if [ -n "$extra" ]; then
    echo "build.sh: out/ must hold only the single executable, found: $extra" >&2
    exit 1
  fi
  local size
  size=$(stat -c %s out/hookctl)
  # 10 MiB since config.json is read with Microsoft.Extensions.Configuration.Json and the binder (issue 21): the cap
  # is ours, not the users'; what every libvirt event pays is start-up time (bench/startup.sh), not bytes on disk.
  if [ "$size" -gt $((10 * 1024 * 1024)) ]; then
    echo "build.sh: out/hookctl is $size bytes, over the 10 MiB budget" >&2
    exit 1
  fi
}

run_main_job() {
  # The showcase VM win11 on the simulated host in hooks.d/examples/simhost (a GPU + HDMI audio in one IOMMU group,
  # 8 CPUs, hugepage pools): the dry run of prepare (hugepages, sleepInhibitor, gpu) and started (cpuIsolation)
  # with every write, then doctor on the same tree. Touches nothing on this machine.
  local config="$PWD/hooks.d/examples/simhost.config.json" xml="$PWD/hooks.d/examples/simhost/etc/libvirt/qemu/win11.xml"
  HOOKDISPATCHER_CONFIG="$config" out/hookctl test win11 prepare --xml "$xml"
  echo
  HOOKDISPATCHER_CONFIG="$config" out/hookctl test win11 started --xml "$xml"
  echo
  echo "hookctl doctor win11 (on the simulated host):"
  HOOKDISPATCHER_CONFIG="$config" out/hookctl doctor win11 || true
}

# Totals over the suites run so far, for the one closing line.
total_passed=0 total_failed=0 total_skipped=0
count() { # LOG: adds the last "N passed, N failed[, N skipped]" line of LOG
  local line
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
  if [ -z "$line" ]; then total_failed=$((total_failed + 1)); return; fi
  total_passed=$((total_passed + $(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")))
  total_failed=$((total_failed + $(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")))
  if grep -q skipped <<<"$line"; then
    total_skipped=$((total_skipped + $(sed -E 's/.* ([0-9]+) skipped.*/\1/' <<<"$line")))
  fi
}

build_deb() {
  local version stage
  version=$(out/hookctl --version | cut -d+ -f1)
  stage=$(mktemp -d)
  trap 'rm -rf "$stage"' RETURN
  chmod 0755 "$stage"
  install -D -m 0755 out/hookctl "$stage/usr/bin/hookctl"
  install -d -m 0755 "$stage/etc/hookdispatcher/hooks.d" "$stage/etc/hookdispatcher/config.d" "$stage/DEBIAN"
  printf '{\n  "rulesDir": "/etc/hookdispatcher/hooks.d",\n  "stateDir": "/run/hookdispatcher"\n}\n' > "$stage/etc/hookdispatcher/config.json"
  install -D -m 0644 hooks.d/rules.schema.json "$stage/usr/share/hookdispatcher/rules.schema.json"
  install -d -m 0755 "$stage/usr/share/doc/hookdispatcher/examples"
  cp -r hooks.d/*.json hooks.d/*.d hooks.d/README.md "$stage/usr/share/doc/hookdispatcher/examples/"
  install -m 0644 README.md "$stage/usr/share/doc/hookdispatcher/README.md"
  install -d -m 0755 "$stage/usr/share/man/man1" "$stage/usr/share/man/man5"
  gzip -9n < install/man/hookctl.1 > "$stage/usr/share/man/man1/hookctl.1.gz"
  gzip -9n < install/man/hookdispatcher-rules.5 > "$stage/usr/share/man/man5/hookdispatcher-rules.5.gz"
  install -D -m 0644 install/completion/hookctl.bash "$stage/usr/share/bash-completion/completions/hookctl"
  sed "s/@VERSION@/$version/" install/debian/control > "$stage/DEBIAN/control"
  install -m 0644 install/debian/conffiles "$stage/DEBIAN/conffiles"
  install -m 0755 install/debian/postinst install/debian/prerm install/debian/postrm "$stage/DEBIAN/"
  chmod -R u=rwX,go=rX "$stage/usr" "$stage/etc"
  local dest=${DEB_OUT:-out}
  rm -f "$dest"/hookdispatcher_*.deb
  dpkg-deb --root-owner-group -Zxz --build "$stage" "$dest/hookdispatcher_${version}_amd64.deb" >/dev/null
  echo "built $dest/hookdispatcher_${version}_amd64.deb"
}

run_e2e() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "build.sh: the VM tests need root (they install QEMU and boot a guest): skipped"
    echo "0 passed, 0 failed, 1 skipped"
    return 0
  fi
  tests/e2e/run.sh --binary out/hookctl --deb "$(ls out/hookdispatcher_*.deb)"
}

run_tests() {
  local log status
  log=$(mktemp)
  dotnet build tests/HookDispatcher.Tests -c Release -nologo -v quiet
  set +e
  dotnet test --project tests/HookDispatcher.Tests -c Release --no-build 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  set -e
  local passed failed skipped
  passed=$(awk '/^ *succeeded: /{print $2}' "$log" | tail -n 1)
  failed=$(awk '/^ *failed: /{print $2}' "$log" | tail -n 1)
  skipped=$(awk '/^ *skipped: /{print $2}' "$log" | tail -n 1)
  rm -f "$log"
  if [ -z "$passed" ]; then
    echo "build.sh: the test run printed no summary (exit $status)" >&2
    echo "0 passed, 1 failed"
    return 1
  fi
  echo "${passed} passed, ${failed:-0} failed, ${skipped:-0} skipped"
  [ "$status" -eq 0 ] && [ "${failed:-0}" -eq 0 ]
}

case "${1:-build}" in
  build) publish ;;
  run) publish; run_main_job ;;
  main-job) run_main_job ;;
  unit) publish; run_tests ;;
  e2e) publish; build_deb; run_e2e ;;
  deb) publish; build_deb ;;
  package) build_deb ;;
  test)
    publish
    build_deb
    log=$(mktemp)
    set +e
    run_tests | tee "$log"; count "$log"
    run_e2e | tee "$log"; count "$log"
    set -e
    rm -f "$log"
    echo
    echo "${total_passed} passed, ${total_failed} failed, ${total_skipped} skipped"
    [ "$total_failed" -eq 0 ]
    ;;
  *) echo "usage: $0 [build|run|test|unit|e2e|deb]" >&2; exit 2 ;;
esac
