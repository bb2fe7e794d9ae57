# The user cache folder for the bash scripts: sourced (`. "$root/scripts/cache-dir.sh"`),
# sets transfer_lab_cache by the rule of src/paths.ts userCacheDir(), which
# tests/cache-dir.test.ts checks against it:
#   $TRANSFER_LAB_CACHE (a relative one from the current directory), else
#   $XDG_CACHE_HOME/transfer-lab when XDG_CACHE_HOME is absolute, else ~/.cache/transfer-lab.
# (userCacheDir's Windows folder, %LOCALAPPDATA%\transfer-lab, is not the scripts' business:
# they run on Linux and macOS.) A file to source, not a command: no shebang, no set -e.
if [ -n "${TRANSFER_LAB_CACHE:-}" ]; then
  case "$TRANSFER_LAB_CACHE" in
    /*) transfer_lab_cache="$TRANSFER_LAB_CACHE" ;;
    *) transfer_lab_cache="$PWD/$TRANSFER_LAB_CACHE" ;;
  esac
else
  case "${XDG_CACHE_HOME:-}" in
    /*) transfer_lab_cache="$XDG_CACHE_HOME/transfer-lab" ;;
    *) transfer_lab_cache="$HOME/.cache/transfer-lab" ;;
  esac
fi
