#!/usr/bin/env bash
# Train every row of a comparison table on one dataset, then score all runs together into
# one CSV and one plot with `i2i evaluate`.
#
#   examples/experiments/compare.sh TABLE DATASET [extra i2i train options...]
#   examples/experiments/compare.sh unpaired horse2zebra          # CycleGAN, +SCL, CUT, FastCUT, sc
#   examples/experiments/compare.sh baselines selfie2anime --epochs 20
#   examples/experiments/compare.sh baselines cityscapes_split --set data.direction=BtoA
#
# TABLE is a file in examples/experiments/tables/ (or a path): one row a line, "ROW METHOD
# [i2i train options...]", # for comments; the run of a row is runs/ROW_DATASET. Expects
# ./datasets/DATASET (`i2i download NAME --dir datasets`). A run that already exists is
# resumed (a complete one trains nothing), so the script can be rerun after an
# interruption. Writes compare_TABLE_DATASET.csv and .png. Exit code: that of the first
# failing step.
set -euo pipefail
table=${1:?usage: compare.sh TABLE DATASET [i2i train options...]}
data=${2:?usage: compare.sh TABLE DATASET [i2i train options...]}
shift 2
file=$table
[ -f "$file" ] || file="$(dirname "$0")/tables/$table.txt"
[ -f "$file" ] || { echo "error: no table '$table' (looked for $file)" >&2; exit 2; }
tag=$(basename "$file" .txt)
rows=()
while read -r -a fields; do
  [ "${#fields[@]}" -eq 0 ] || [[ ${fields[0]} == \#* ]] && continue
  rows+=("${fields[*]}")
done < "$file"
runs=()
for line in "${rows[@]}"; do
  read -r -a fields <<< "$line"
  name="${fields[0]}_${data}"
  if [ -d "runs/$name" ]; then
    i2i train --resume "runs/$name" "$@"
  else
    i2i train "${fields[@]:1}" --data "./datasets/$data" --name "$name" "$@"
  fi
  runs+=("runs/$name")
done
# --overwrite: a rerun scores again into this script's own CSV and plot
i2i evaluate "${runs[@]}" --metric fid,kid --csv "compare_${tag}_${data}.csv" \
  --plot "compare_${tag}_${data}.png" --overwrite
echo "scores: compare_${tag}_${data}.csv, plot: compare_${tag}_${data}.png"
