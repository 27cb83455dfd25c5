#!/usr/bin/env bash
# Build, test and package HookDispatcher.
#   ./build.sh          restore, build and publish the native-AOT binary to out/hookctl
#   ./build.sh test     run every test; ends with "N passed, N failed, N skipped"
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

publish() {
  dotnet publish src/HookDispatcher/HookDispatcher.csproj -c Release -r linux-x64 -o out -p:TreatWarningsAsErrors=true -nologo -v quiet
  rm -f out/*.dbg out/*.pdb
}

case "${1:-build}" in
  build) publish ;;
  test)
    publish
    dotnet build tests/HookDispatcher.Tests -c Release -nologo -v quiet
    dotnet test --project tests/HookDispatcher.Tests -c Release --no-build
    ;;
  *) echo "usage: $0 [build|test]" >&2; exit 2 ;;
esac
