#!/usr/bin/env bash
# Runs bench/device.ts on a lent GPU machine without Node, from the archives that
# scripts/device-carry.mjs packed beside this file (copied there as .carry/run.sh).
# Results (device.json, device.log) go to $OUT. Arguments go to the bench.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${OUT:-$PWD/device-out}
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for archive in "$here"/*.tar.xz; do
  if command -v xz >/dev/null; then
    xz -dc "$archive" | tar -x -C "$work"
  else
    python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$archive" "$work"
  fi
done

node="$work/bin/node"
export LD_LIBRARY_PATH="$work/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# The packing machine's C++ runtime only where this machine's own is missing or too old for node.
if ! "$node" --version >/dev/null 2>&1; then
  export LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$work/lib-fallback"
  echo "using the carried libstdc++ and libgcc_s"
fi
echo "node $("$node" --version)"

# Dawn finds the driver through the Vulkan loader; NVIDIA's manifest is where the driver installed
# it, or, in containers that mount only the libraries, nowhere: then one is written for libGLX_nvidia.
shopt -s nullglob
icds=(/usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json /usr/local/share/vulkan/icd.d/*.json)
echo "Vulkan drivers listed: ${icds[*]}"
if [ -z "${VK_ICD_FILENAMES:-}" ]; then
  icd=""
  for f in "${icds[@]}"; do
    if [ -f "$f" ] && grep -qi nvidia "$f"; then icd=$f; break; fi
  done
  if [ -z "$icd" ]; then
    glx=$( (ldconfig -p 2>/dev/null | awk '/libGLX_nvidia\.so\.0/ { print $NF; exit }') || true)
    [ -n "$glx" ] || glx=$(find /usr/lib /usr/lib64 /usr/local -name 'libGLX_nvidia.so.0' 2>/dev/null | head -n 1 || true)
    if [ -n "$glx" ]; then
      icd="$work/nvidia_icd.json"
      printf '{ "file_format_version": "1.0.0", "ICD": { "library_path": "%s", "api_version": "1.3.0" } }\n' "$glx" > "$icd"
    fi
  fi
  if [ -n "$icd" ]; then export VK_ICD_FILENAMES="$icd"; fi
fi
echo "VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-unset, the loader searches its default folders}"
if command -v nvidia-smi >/dev/null; then nvidia-smi -L || true; fi

cd "$work/app"
"$node" dist/bench/device.js --json "$out/device.json" "$@" 2>&1 | tee "$out/device.log"
