#!/usr/bin/env bash
# Installs what the browser tests need when it is missing: Debian's chromium and a CJK font.
# Without root or apt the browser tests are skipped with a reason (never silently passed).
set -u
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list :lang=zh 2>/dev/null | grep -q . || need+=(fonts-wqy-microhei)
[ ${#need[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "browser tests need: ${need[*]} (no apt-get here; those tests will be skipped)" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO=sudo; else
    echo "browser tests need: ${need[*]} (run as root to install; tests will be skipped)" >&2
    exit 0
  fi
fi
echo "installing ${need[*]} for the browser tests" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null 2>&1 || true
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" fontconfig >/dev/null 2>&1 \
  || echo "could not install ${need[*]}; browser tests will be skipped" >&2
exit 0
