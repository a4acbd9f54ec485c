#!/usr/bin/env bash
# The one script for a GPU machine (issue "Speed and memory"): the CUDA test tier, then the
# GPU benchmarks, each with its own time limit so the whole fits in about 6 minutes.
# Results go to ${OUT:-gpu_results}/: pytest's report, one JSON/log per benchmark,
# nvidia-smi and versions. The machine already has torch and the core dependencies, so the
# project is installed without them.
#   bash benchmarks/gpu_suite.sh            # from the project root
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-gpu_results}
mkdir -p "$out"
{ nvidia-smi; python3 -c 'import torch; print(torch.__version__, torch.version.cuda,
  torch.cuda.get_device_name(0))'; } > "$out/machine.txt" 2>&1
python3 -m pip install --quiet --no-deps -e . > "$out/install.log" 2>&1

step() {  # step NAME SECONDS COMMAND...: run with a limit, keep its output, never stop the suite
  local name=$1 limit=$2; shift 2
  echo "== $name (limit ${limit}s)"
  local start=$SECONDS
  timeout "$limit" "$@" > "$out/$name.log" 2>&1
  echo "rc=$? after $((SECONDS - start))s" | tee -a "$out/$name.log"
  tail -3 "$out/$name.log"
}

export PYTHONPATH=$PWD
step cuda_tests 150 python3 -m pytest -q -m cuda tests/cuda -x --junitxml="$out/cuda_tests.xml"
step train_step_b1 60 python3 benchmarks/train_step.py --device cuda --iters 10 --warmup 3 \
  --compare-reference --json
step train_step_b8 45 python3 benchmarks/train_step.py --device cuda --iters 5 --warmup 2 \
  --batch 8 --json
step pix2pix_step 30 python3 benchmarks/pix2pix_step.py --device cuda --steps 5
step methods_vs_cyclegan 40 python3 benchmarks/methods_vs_cyclegan.py --device cuda \
  --iters 5 --warmup 2
step translate 30 python3 benchmarks/translate.py --device cuda --n 200 --batches 1,8
step evaluate 30 python3 benchmarks/evaluate.py --device cuda --n-images 500 --batch-size 100
step translate_tiled 40 python3 benchmarks/translate_tiled.py --memory --device cuda \
  --sides 1024 2048 4096 --tiled-sides 4096 7680 --tile 1024
echo "results in $out/"
