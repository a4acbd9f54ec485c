#!/usr/bin/env bash
# Translate every sub-folder of IN_ROOT into OUT_ROOT/<sub-folder> with one trained run.
# Folders with unreadable images (exit code 8) are listed at the end; the rest carry on.
# Usage: examples/batch_translate.sh RUN IN_ROOT OUT_ROOT [extra i2i translate options...]
set -uo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 RUN IN_ROOT OUT_ROOT [i2i translate options...]" >&2
  exit 2
fi
run=$1 in_root=$2 out_root=$3
shift 3
partial=()
failed=()
for folder in "$in_root"/*/; do
  [ -d "$folder" ] || continue
  name=$(basename "$folder")
  i2i translate "$run" "$folder" --out "$out_root/$name" --quiet "$@"
  code=$?
  case $code in
    0) echo "ok       $name" ;;
    8) echo "partial  $name (some images unreadable, see above)"; partial+=("$name") ;;
    *) echo "failed   $name (exit $code)"; failed+=("$name") ;;
  esac
done
[ ${#partial[@]} -eq 0 ] || echo "folders with unreadable images: ${partial[*]}"
[ ${#failed[@]} -eq 0 ] || { echo "folders that failed: ${failed[*]}"; exit 1; }
[ ${#partial[@]} -eq 0 ] || exit 8
