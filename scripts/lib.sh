# Shared by scripts/run and scripts/test: find Python 3.11+, keep .venv in step with pyproject.toml.

find_python() {
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  echo "SmartShip needs Python 3.11 or newer; install it and run this again." >&2
  return 1
}

# ensure_venv [extras]: create .venv and install the project; skipped when pyproject.toml is unchanged.
ensure_venv() {
  local extras="${1:-}"
  local spec="."
  [ -n "$extras" ] && spec=".[$extras]"
  if [ ! -x .venv/bin/python ]; then
    "$(find_python)" -m venv .venv
    .venv/bin/python -m pip install --quiet --upgrade pip
  fi
  local stamp=".venv/.installed-${extras:-base}"
  local digest
  digest=$(.venv/bin/python -c 'import hashlib,sys; print(hashlib.sha256(open("pyproject.toml","rb").read()).hexdigest())')
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
    echo "Installing Python packages into .venv ..."
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$spec"
    echo "$digest" > "$stamp"
  fi
}

# Debian packages the browser tests and labels need; installed when missing and we may (root or sudo).
ensure_debian_packages() {
  local missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ -f /usr/share/fonts/truetype/nanum/NanumGothic.ttf ] || missing+=(fonts-nanum)
  command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "Not a Debian system: install ${missing[*]} yourself for the browser and label tests." >&2
    return 0
  fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if sudo -n true 2>/dev/null; then sudo="sudo -n"; else
      echo "Run as root (or with passwordless sudo) to install ${missing[*]}; browser tests need Chromium." >&2
      return 0
    fi
  fi
  echo "Installing Debian packages: ${missing[*]} ..."
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null ||
    { $sudo apt-get update -q >/dev/null && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null; }
}
