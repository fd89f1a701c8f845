#!/usr/bin/env bash
# Run before `npm test` (package.json "pretest"): the monitor tests start a real Prometheus
# (Debian's package: prometheus and promtool). Installed only when missing, so a machine that has
# it does no network work; the package's system service is not started (the tests start their
# own servers on 127.0.0.1). As root, or through passwordless sudo (GitHub's runners).
set -euo pipefail
if command -v prometheus >/dev/null && command -v promtool >/dev/null; then exit 0; fi

need="ModelGate's tests need Debian's prometheus package (prometheus and promtool)"
if ! command -v apt-get >/dev/null; then
  echo "$need, and this machine has no apt-get: install Prometheus 2.x so that both are on PATH, then run npm test again" >&2
  exit 1
fi
as_root=()
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
  else
    echo "$need: run \`apt-get install prometheus\` as root (or give this user sudo), then npm test again" >&2
    exit 1
  fi
fi

echo "Installing Debian's prometheus package for the monitor tests (apt-get)" >&2
export DEBIAN_FRONTEND=noninteractive
# A policy-rc.d that exits 101 tells the package scripts not to start the service; one is
# placed only for the install, and only where the machine has none of its own.
own_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  own_policy=/usr/sbin/policy-rc.d
  printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee "$own_policy" >/dev/null
  "${as_root[@]}" chmod +x "$own_policy"
fi
remove_policy() { if [ -n "$own_policy" ]; then "${as_root[@]}" rm -f "$own_policy"; fi; }
# Quiet unless it fails: apt's and debconf's chatter is shown only then.
apt_log=$(mktemp)
if ! { "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus; } >"$apt_log" 2>&1; then
  cat "$apt_log" >&2
  remove_policy
  exit 1
fi
rm -f "$apt_log"
remove_policy
prometheus --version 2>&1 | head -n 1 >&2
