#!/bin/bash
# Our journald sink against the real journald: structured fields and multi-line messages arrive intact, also
# a message too large for one datagram (sent in a sealed memfd).
source "$(dirname "$0")/../lib.sh"
for size in 0 300000; do
  token=$(/usr/local/bin/hookctl journal-test --size "$size")
  check "journal-test --size $size printed a token" test -n "$token"
  entry=/run/e2e-journal-$size.json
  check "journald has the entry (size $size)" eventually 10 \
    bash -c "journalctl -o json --all --no-pager HOOK_TEST_TOKEN=$token > $entry && test -s $entry"
  msg=$(journalctl -o cat --all --no-pager HOOK_TEST_TOKEN="$token")
  check "MESSAGE keeps its three lines (size $size)" grep -qF $'second line\nthird line' <<<"$msg"
  # "journal test <32-char token>\nsecond line\nthird line" is 68 characters, then the padding.
  expect_eq "MESSAGE length (size $size)" "${#msg}" "$((68 + size))"
  check "LIBVIRT_DOMAIN field (size $size)" grep -qF '"LIBVIRT_DOMAIN":"journal-test"' "$entry"
  check "HOOK_OPERATION field (size $size)" grep -qF '"HOOK_OPERATION":"journal-test"' "$entry"
  check "PRIORITY 6 (size $size)" grep -qF '"PRIORITY":"6"' "$entry"
  check "SYSLOG_IDENTIFIER (size $size)" grep -qF '"SYSLOG_IDENTIFIER":"hookdispatcher"' "$entry"
done
