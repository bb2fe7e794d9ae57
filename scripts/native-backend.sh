#!/usr/bin/env bash
# Make @tensorflow/tfjs-node load the native TensorFlow backend.
#
# tfjs-node's own install script downloads libtensorflow 2.9.1 and a prebuilt
# addon from Google's storage host. Where that host is reachable (most online
# users) we let it do exactly that. Where it is not (package registries only),
# we take libtensorflow from the PyPI wheel `tensorflow-cpu` installed in the
# project's .venv and build the addon from source against it (N-API, so the
# system Node headers are enough).
#
# Choose with TRANSFER_LAB_TF_SOURCE:
#   auto     (default) download if Google's storage host answers, else the wheel
#   download tfjs-node's normal download path only
#   wheel    the PyPI wheel in .venv only
#
# Idempotent: if the addon already loads with the `tensorflow` backend, and was
# built from the source asked for, nothing is done.
#
# Also run by `transfer-lab backend` for a project that installed transfer-lab from npm:
#   TFJS_NODE_DIR        the @tensorflow/tfjs-node folder (default node_modules/ of the repo)
#   TRANSFER_LAB_VENV    the venv with the tensorflow-cpu wheel (default the repo's .venv)
#   TRANSFER_LAB_MAKE_VENV=1  create that venv with $PYTHON and install only tensorflow-cpu
#                        (pinned as in requirements.txt) when it does not exist
#   TRANSFER_LAB_LOG_DIR where the addon build log goes (default out/)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tfn="${TFJS_NODE_DIR:-$root/node_modules/@tensorflow/tfjs-node}"
venv="${TRANSFER_LAB_VENV:-$root/.venv}"
source_wanted="${TRANSFER_LAB_TF_SOURCE:-auto}"
stamp="$tfn/deps/transfer-lab-source.json"

say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

[ -d "$tfn" ] || die "$tfn (@tensorflow/tfjs-node) is missing. Fix: run 'npm install' (or 'npm run setup') first."

case "$source_wanted" in
  auto|download|wheel) ;;
  *) die "TRANSFER_LAB_TF_SOURCE='$source_wanted' is not one of auto, download, wheel." ;;
esac

loads_native() {
  TF_CPP_MIN_LOG_LEVEL=3 node -e '
    const tf = require(process.argv[1]);
    if (tf.getBackend() !== "tensorflow") process.exit(3);
  ' "$tfn" >/dev/null 2>&1
}
# A package's folder, resolved as tfjs-node itself would (for node-pre-gyp), else empty.
resolve_from_tfn() { node -e 'try { console.log(require("path").dirname(require.resolve(process.argv[1] + "/package.json", { paths: [process.argv[2]] }))) } catch { }' "$1" "$tfn"; }

stamp_source() {
  [ -f "$stamp" ] && node -e 'console.log(require(process.argv[1]).source)' "$stamp" 2>/dev/null || true
}

if loads_native; then
  have="$(stamp_source)"
  if [ "$source_wanted" = auto ] || [ "$source_wanted" = "$have" ] || { [ -z "$have" ] && [ "$source_wanted" = download ]; }; then
    say "native TensorFlow backend: ok (${have:-download})"
    exit 0
  fi
  say "native backend present from '${have}', but TRANSFER_LAB_TF_SOURCE=$source_wanted: rebuilding"
fi

write_stamp() { # source libdir
  local tmp="$stamp.tmp"
  node -e '
    const [source, lib, tfv] = process.argv.slice(1);
    process.stdout.write(JSON.stringify({source, libtensorflow: lib, tensorflowVersion: tfv, builtAt: new Date().toISOString()}, null, 2) + "\n");
  ' "$1" "$2" "$3" > "$tmp"
  mv "$tmp" "$stamp"
}

google_reachable() {
  node -e '
    const req = require("https").request("https://storage.googleapis.com/tf-builds/", {method: "HEAD", timeout: 5000}, () => process.exit(0));
    req.on("timeout", () => { req.destroy(); process.exit(1); });
    req.on("error", () => process.exit(1));
    req.end();
  ' >/dev/null 2>&1
}

via_download() {
  say "native backend: tfjs-node's own install (downloads libtensorflow 2.9.1)"
  (cd "$tfn" && node scripts/install.js) || return 1
  loads_native || return 1
  write_stamp download "$tfn/deps/lib" "2.9.1"
}

via_wheel() {
  local py="$venv/bin/python"
  if [ ! -x "$py" ] && [ "${TRANSFER_LAB_MAKE_VENV:-0}" = 1 ]; then
    local base="${PYTHON:-python3}" pin
    pin="$(grep -E '^tensorflow-cpu==' "$root/requirements.txt" | cut -d';' -f1 | tr -d ' ')"
    "$base" -c 'import sys; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 13) else 1)' 2>/dev/null \
      || die "the wheel path needs Python 3.10-3.13 for $pin ('$base' is $("$base" --version 2>&1 || echo missing)). Fix: pass --python /path/to/python3.1x."
    say "creating a venv for the tensorflow-cpu wheel in $venv"
    "$base" -m venv "$venv" || die "'$base -m venv $venv' failed. Fix: install the venv module (Debian: apt-get install python3-venv)."
    say "installing $pin into it (~260 MB download)"
    "$venv/bin/python" -m pip install --disable-pip-version-check -q "$pin" || die "pip could not install $pin (network to PyPI?)."
  fi
  [ -x "$py" ] || die "no venv with Python at $venv: the wheel path needs the tensorflow-cpu wheel there. Fix: run 'npm run setup' in a clone (it creates .venv first), or 'npx transfer-lab backend' in a project."
  local tfdir
  tfdir="$("$py" -c 'import importlib.util,os; s=importlib.util.find_spec("tensorflow"); print(os.path.dirname(s.origin) if s else "")' 2>/dev/null || true)"
  [ -n "$tfdir" ] && [ -f "$tfdir/libtensorflow_cc.so.2" ] || die "the tensorflow-cpu wheel is not in .venv (no libtensorflow_cc.so.2). Fix: .venv/bin/pip install -r requirements.txt, or re-run 'npm run setup'."
  [ -f "$tfdir/include/tensorflow/c/c_api.h" ] || die "the tensorflow wheel in .venv has no C headers under $tfdir/include. Fix: reinstall it: .venv/bin/pip install --force-reinstall tensorflow-cpu==2.21.0"
  command -v make >/dev/null && command -v g++ >/dev/null || die "building the tfjs-node addon needs make and g++. Fix: apt-get install -y build-essential (or your platform's compiler tools)."
  local tfver
  tfver="$("$py" -c 'import json,sys,importlib.metadata as m; print(m.version("tensorflow-cpu"))' 2>/dev/null || echo unknown)"
  say "native backend: building the tfjs-node addon against libtensorflow from the tensorflow-cpu $tfver wheel"
  rm -rf "$tfn/deps" "$tfn/lib" "$tfn/build"
  mkdir -p "$tfn/deps/lib"
  ln -s "$tfdir/include" "$tfn/deps/include"
  ln -s "$tfdir/libtensorflow_cc.so.2" "$tfn/deps/lib/libtensorflow_cc.so.2"
  ln -s "$tfdir/libtensorflow_framework.so.2" "$tfn/deps/lib/libtensorflow_framework.so.2"
  # Link-time names the addon's binding.gyp asks for (-ltensorflow -ltensorflow_framework).
  ln -s libtensorflow_cc.so.2 "$tfn/deps/lib/libtensorflow.so"
  ln -s libtensorflow_cc.so.2 "$tfn/deps/lib/libtensorflow.so.2"
  ln -s libtensorflow_framework.so.2 "$tfn/deps/lib/libtensorflow_framework.so"
  # tfjs-node's install script skips its download when this file exists.
  ln -s libtensorflow_cc.so.2 "$tfn/deps/lib/libtensorflow.so.2.9.1"
  local nodedir_env=()
  if [ -f /usr/include/node/node_api.h ]; then
    nodedir_env=(npm_config_nodedir=/usr)
  elif [ -f "$(dirname "$(dirname "$(command -v node)")")/include/node/node_api.h" ]; then
    nodedir_env=(npm_config_nodedir="$(dirname "$(dirname "$(command -v node)")")")
  else
    say "no local Node headers found (/usr/include/node); node-gyp will try to download them"
  fi
  # node-gyp: the repo's devDependency, else the one bundled with npm.
  local gyp="$root/node_modules/node-gyp/bin/node-gyp.js"
  [ -f "$gyp" ] || gyp="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")/node_modules/node-gyp/bin/node-gyp.js"
  [ -f "$gyp" ] || die "node-gyp was not found (neither in node_modules nor bundled with npm). Fix: npm install -g node-gyp, then re-run."
  local pregyp
  pregyp="$(resolve_from_tfn @mapbox/node-pre-gyp)"
  [ -n "$pregyp" ] || die "@mapbox/node-pre-gyp (a dependency of tfjs-node) is missing. Fix: run 'npm install'."
  local logdir="${TRANSFER_LAB_LOG_DIR:-$root/out}"
  local log="$logdir/setup-addon-build.log"
  mkdir -p "$logdir"
  if ! (cd "$tfn" && env "${nodedir_env[@]}" npm_config_node_gyp="$gyp" PATH="$(dirname "$gyp"):$root/node_modules/.bin:$PATH" \
        node "$pregyp/bin/node-pre-gyp" install --build-from-source) >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    die "building the tfjs-node addon failed (full log: $log)."
  fi
  loads_native || die "the addon was built but tfjs-node does not load the tensorflow backend. Run: node -e \"require('$tfn')\" to see why."
  write_stamp wheel "$tfdir" "$tfver"
}

case "$source_wanted" in
  download) via_download || die "tfjs-node's download of libtensorflow failed (no network to its storage host?). Fix: unset TRANSFER_LAB_TF_SOURCE (auto) or set it to 'wheel' to build against the PyPI tensorflow-cpu wheel." ;;
  wheel) via_wheel ;;
  auto)
    if google_reachable; then
      via_download || { say "download path failed; falling back to the PyPI wheel"; via_wheel; }
    else
      say "Google's storage host is not reachable: using the PyPI tensorflow-cpu wheel"
      via_wheel
    fi ;;
esac
say "native TensorFlow backend: ok ($(stamp_source))"
