#!/usr/bin/env bash
# Desktop integration for guinet on Linux: the launcher (menu entry), the
# AppStream metadata, the MIME type of *.guinet files (double-clicking a
# project opens it in guinet) and the icons. Per user by default:
#
#   bash packaging/install-desktop.sh                      # into ~/.local/share
#   bash packaging/install-desktop.sh --bundle build/bundle/dist/guinet
#                                      # also links ~/.local/bin/guinet to the bundle
#   sudo bash packaging/install-desktop.sh --prefix /usr/local   # for everyone
#   bash packaging/install-desktop.sh --uninstall          # remove what it installed
#
# The launcher runs `guinet %f`, so `guinet` must be on PATH: the wheel's
# (pip install) or, with --bundle, the PyInstaller folder's. Refreshes the MIME,
# desktop and icon caches when their tools (shared-mime-info,
# desktop-file-utils, gtk-update-icon-cache) are installed.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
APP_ID=io.github.guinet
PREFIX=${PREFIX:-${XDG_DATA_HOME:+${XDG_DATA_HOME%/share}}}
PREFIX=${PREFIX:-$HOME/.local}
BUNDLE=""
UNINSTALL=0
SIZES=(16 24 32 48 64 128 256)

die() { printf 'install-desktop: ERROR: %s\n' "$*" >&2; exit 1; }
while (($#)); do
    case $1 in
        --prefix) PREFIX=${2:?--prefix needs a folder}; shift 2 ;;
        --bundle) BUNDLE=$(cd "${2:?--bundle needs the app folder}" && pwd); shift 2 ;;
        --uninstall) UNINSTALL=1; shift ;;
        -h | --help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument: $1 (see --help)" ;;
    esac
done
SHARE=$PREFIX/share

# source → destination, relative to $SHARE (and bin/ for the bundle link)
FILES=(
    "$HERE/guinet.desktop:applications/$APP_ID.desktop"
    "$HERE/$APP_ID.metainfo.xml:metainfo/$APP_ID.metainfo.xml"
    "$HERE/guinet-mime.xml:mime/packages/$APP_ID.xml"
    "$ROOT/resources/icons/guinet.svg:icons/hicolor/scalable/apps/$APP_ID.svg"
)
for size in "${SIZES[@]}"; do
    FILES+=("$HERE/icons/hicolor/${size}x$size/apps/$APP_ID.png:icons/hicolor/${size}x$size/apps/$APP_ID.png")
done

refresh_caches() {
    if command -v update-mime-database >/dev/null 2>&1; then
        update-mime-database "$SHARE/mime"
    fi
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database "$SHARE/applications"
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1 && [[ -f $SHARE/icons/hicolor/index.theme ]]; then
        gtk-update-icon-cache -q -t -f "$SHARE/icons/hicolor" || true
    fi
}

if ((UNINSTALL)); then
    for entry in "${FILES[@]}"; do
        rm -f "$SHARE/${entry#*:}"
    done
    # only a link this script made: never a guinet installed another way
    if [[ -L $PREFIX/bin/guinet && $(readlink "$PREFIX/bin/guinet") == */dist/guinet/guinet ]]; then
        rm -f "$PREFIX/bin/guinet"
    fi
    refresh_caches
    echo "install-desktop: removed guinet's desktop files from $SHARE"
    exit 0
fi

for entry in "${FILES[@]}"; do
    source=${entry%%:*}
    [[ -f $source ]] || die "$source is missing (python packaging/render_icon.py --hicolor makes the icons)"
    install -Dm644 "$source" "$SHARE/${entry#*:}"
done
if [[ -n $BUNDLE ]]; then
    [[ -x $BUNDLE/guinet ]] || die "$BUNDLE/guinet is not the app (python packaging/build.py makes it)"
    mkdir -p "$PREFIX/bin"
    ln -sfn "$BUNDLE/guinet" "$PREFIX/bin/guinet"
    echo "install-desktop: $PREFIX/bin/guinet → $BUNDLE/guinet"
fi
refresh_caches
echo "install-desktop: installed the launcher, MIME type, metadata and icons under $SHARE"
command -v guinet >/dev/null 2>&1 ||
    echo "install-desktop: note: guinet is not on PATH; the launcher needs it (add $PREFIX/bin to PATH)"
