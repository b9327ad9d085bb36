#!/usr/bin/env bash
# Installs the system components the test suite runs for real, when they are missing:
#   pre-commit (the hook test), prometheus + promtool (canary analysis, metrics format),
#   tmux (a real terminal for interactive init), openssl (the fake API server's certificate),
#   chromium (the drift HTML report, rendered in a real headless browser).
# Debian's packages, through apt-get as root or through sudo; otherwise it names what to install.
# `npm test` runs it first, so one command sets a fresh machine up and runs the whole suite.
set -euo pipefail

declare -A package_of=(
  [pre-commit]=pre-commit
  [prometheus]=prometheus
  [promtool]=prometheus
  [tmux]=tmux
  [openssl]=openssl
  [chromium]=chromium
)
need=()
for tool in "${!package_of[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || need+=("${package_of[$tool]}")
done
[ ${#need[@]} -eq 0 ] && exit 0
mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)

if [ "$(id -u)" -eq 0 ]; then
  run=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  run=(sudo -n)
else
  echo "mlready tests need these Debian packages: ${need[*]}" >&2
  echo "install them (sudo apt-get install ${need[*]}) and run npm test again" >&2
  exit 2
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "mlready tests need: ${need[*]} (no apt-get here: install them with your package manager)" >&2
  exit 2
fi
echo "installing test dependencies: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${run[@]}" apt-get update -qq
"${run[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
