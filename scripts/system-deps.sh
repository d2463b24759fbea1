#!/usr/bin/env bash
# Installs the Debian packages the checks need when they are missing: PostgreSQL (test-postgres),
# chromium (browser tests), gettext (catalogue checks) and CJK fonts (so chromium draws 中文, not boxes).
# Idempotent: when everything is present it only looks (well under a second) and changes nothing.
# Needs root or sudo the first time only; .ci/run calls it as root on a possibly fresh machine.
set -euo pipefail

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'; }
# A PostgreSQL server of any version, from Debian or from the PGDG repository.
have_pg() { command -v initdb >/dev/null 2>&1 || compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; }
# Any font that covers Chinese will do; fontconfig may itself be missing on a bare machine.
have_cjk_font() {
  installed fonts-noto-cjk || { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh family 2>/dev/null)" ]; }
}

missing=()
if [ "${1:-}" = "venv" ]; then
  # `make demo` on a bare Debian: only what creating the virtual environment needs.
  python3 -c 'import ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
  set -- skip-rest
fi
if [ "${1:-}" != "skip-rest" ]; then
have_pg || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
have_cjk_font || missing+=(fonts-noto-cjk)
# The 360 report's PDF embeds Noto Sans CJK itself (jixiao/core/pdf.py), whichever font chromium found.
installed fonts-noto-cjk || [[ " ${missing[*]} " == *" fonts-noto-cjk "* ]] || missing+=(fonts-noto-cjk)
command -v make >/dev/null 2>&1 || missing+=(make)
# `python3 -m venv` (make setup) needs ensurepip, which Debian ships separately.
python3 -c 'import ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
fi
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi

echo "system-deps: installing ${missing[*]}"
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
    echo "system-deps: please install as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
# A fresh image has no package lists at all, so always update before installing.
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "system-deps: done"
