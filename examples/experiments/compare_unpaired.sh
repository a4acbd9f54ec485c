#!/usr/bin/env bash
# The reproduction study's comparison: CycleGAN, CycleGAN + SCL, CUT, FastCUT and sc on one
# unpaired dataset, each with its published defaults, then scored together into one CSV
# and one plot by `i2i evaluate`.
#
#   examples/experiments/compare_unpaired.sh horse2zebra [extra i2i train options...]
#   examples/experiments/compare_unpaired.sh selfie2anime --epochs 20
#
# Expects ./datasets/NAME (`i2i download NAME --dir datasets`). Runs land in runs/; a run
# that already exists is resumed (a complete one trains nothing), so the script can be
# rerun after an interruption. Exit code: that of the first failing step.
set -euo pipefail
data=${1:?usage: compare_unpaired.sh DATASET [i2i train options...]}
shift
runs=()
for method in cyclegan cyclegan_scl cut fastcut sc; do
  name="${method}_${data}"
  case $method in
    cyclegan_scl) train=(cyclegan --set loss.terms.scl.weight=10) ;;
    *) train=("$method") ;;
  esac
  if [ -d "runs/$name" ]; then
    i2i train --resume "runs/$name" "$@"
  else
    i2i train "${train[@]}" --data "./datasets/$data" --name "$name" "$@"
  fi
  runs+=("runs/$name")
done
i2i evaluate "${runs[@]}" --metric fid,kid --csv "compare_${data}.csv" \
  --plot "compare_${data}.png"
echo "scores: compare_${data}.csv, plot: compare_${data}.png"
