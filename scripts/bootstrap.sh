#!/usr/bin/env bash
# Install what is missing on a Debian/Ubuntu machine: system packages (apt, with sudo when not
# root), uv in .tools/, and the locked Python dependencies in .venv/.
#   scripts/bootstrap.sh          what the portal needs to run
#   scripts/bootstrap.sh --test   plus PostgreSQL, Redis, Chromium, poppler, gettext and SoftHSM2 (a real PKCS#11
#                                 token for the signature tests) for the tests
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION="0.13.9"
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation2 ca-certificates)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(postgresql redis-server chromium poppler-utils gettext softhsm2)
fi
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  packages+=(python3-venv)
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "Installing system packages: ${missing[*]}"
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  # Debian's packages must not start servers here: the test script starts its own.
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -x .tools/bin/uv ]]; then
  python3 -m venv .tools
  .tools/bin/python -m pip install --quiet --disable-pip-version-check "uv==${UV_VERSION}"
fi
export UV_PYTHON_DOWNLOADS=never UV_COMPILE_BYTECODE=1
.tools/bin/uv sync --frozen --python python3 --quiet
