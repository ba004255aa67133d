#!/usr/bin/env bash
# Install the system libraries Qt 6 needs that this machine lacks (Debian and
# Ubuntu; elsewhere it only says what to look for). Run from anywhere:
#
#   bash packaging/system-libs.sh          # install what is missing
#   bash packaging/system-libs.sh --check  # only list what is missing (exit 1 if any)
#
# The list is resources/system-packages.txt, the one list that guinet reads
# before Qt starts, README.md quotes and .ci/run installs through this script.
# Does nothing when everything is there, and nothing on macOS or Windows (Qt's
# wheels carry what they need there). Uses apt-get as root, or through sudo.
# Exits 0 unless an "offscreen" library (which every Qt platform loads) is
# still missing afterwards, so that `... && pip install ...` goes on whenever
# Qt can start.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PACKAGE_LIST=${PACKAGE_LIST:-$HERE/../resources/system-packages.txt}
PYTHON=${PYTHON:-python3}
CHECK_ONLY=0
[[ ${1:-} == --check ]] && CHECK_ONLY=1
say() { printf 'system-libs: %s\n' "$*"; }
die() { printf 'system-libs: ERROR: %s\n' "$*" >&2; exit 1; }

[[ $(uname -s) == Linux ]] || { say "nothing to install on $(uname -s)"; exit 0; }
[[ -f $PACKAGE_LIST ]] || die "$PACKAGE_LIST is missing"

# group package library, as "package:library" in two arrays.
REQUIRED_LIBS=()
DISPLAY_LIBS=()
while read -r group pkg lib rest; do
    [[ -z ${group:-} || $group == \#* ]] && continue
    [[ -n $pkg && -n $lib && -z ${rest:-} ]] || die "$PACKAGE_LIST: bad line: $group $pkg $lib $rest"
    case $group in
        offscreen) REQUIRED_LIBS+=("$pkg:$lib") ;;
        display) DISPLAY_LIBS+=("$pkg:$lib") ;;
        *) die "$PACKAGE_LIST: unknown group '$group'" ;;
    esac
done <"$PACKAGE_LIST"
((${#REQUIRED_LIBS[@]} && ${#DISPLAY_LIBS[@]})) || die "$PACKAGE_LIST lists no libraries"

# Read the linker cache into a variable: `ldconfig -p | grep -q` would die of
# SIGPIPE under pipefail whenever grep matches early.
LDCONFIG=$(command -v ldconfig || echo /sbin/ldconfig)
LD_CACHE=""
refresh_ld_cache() { LD_CACHE=$("$LDCONFIG" -p 2>/dev/null || true); }
refresh_ld_cache
have_lib() { [[ $LD_CACHE == *"$1 "* ]]; }
have_pkg() { dpkg -s "$1" >/dev/null 2>&1; }

missing=()
for entry in "${REQUIRED_LIBS[@]}" "${DISPLAY_LIBS[@]}"; do
    pkg=${entry%%:*} lib=${entry#*:}
    if command -v dpkg >/dev/null 2>&1; then
        have_pkg "$pkg" || have_lib "$lib" || missing+=("$pkg")
    else
        have_lib "$lib" || missing+=("$pkg")
    fi
done
# python3 -m venv on Debian needs ensurepip, which lives in pythonX.Y-venv.
if command -v "$PYTHON" >/dev/null 2>&1 && ! "$PYTHON" -c 'import ensurepip' >/dev/null 2>&1; then
    missing+=("python$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')-venv")
fi

if ((${#missing[@]} == 0)); then
    say "all present"
    exit 0
fi
say "missing: ${missing[*]}"
((CHECK_ONLY)) && exit 1

if [[ $(id -u) == 0 ]]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    # a person at a terminal is asked for a password; a script is not
    if [[ -t 0 ]]; then SUDO=(sudo); else SUDO=(sudo -n); fi
else
    SUDO=(none)
fi
if ! command -v apt-get >/dev/null 2>&1; then
    say "no apt-get here: install the packages that provide these libraries with your system's package manager"
elif [[ ${SUDO[0]:-} == none ]]; then
    say "not root and no sudo: ask for: apt-get install ${missing[*]}"
elif ! { timeout 300 "${SUDO[@]}" apt-get update -qq &&
        timeout 600 "${SUDO[@]}" apt-get install -y -qq -o=Dpkg::Use-Pty=0 --no-install-recommends \
            "${missing[@]}"; }; then
    say "apt-get failed to install: ${missing[*]}"
fi

# Whatever apt did, the libraries every Qt platform loads must now be there.
refresh_ld_cache
still=()
for entry in "${REQUIRED_LIBS[@]}"; do
    have_lib "${entry#*:}" || still+=("${entry#*:}")
done
((${#still[@]} == 0)) || die "Qt cannot start without: ${still[*]}"
for entry in "${DISPLAY_LIBS[@]}"; do
    have_lib "${entry#*:}" ||
        say "${entry#*:} is missing: Qt's xcb platform (a screen) will not start; offscreen still works"
done
say "done"
