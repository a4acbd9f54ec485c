"""End to end on CPU: CUT, FastCUT and the spatially-correlative GAN learn builtin:toy.

Domain B is a fixed colour-channel rotation of domain A, so the exact translation of each
test image of A is known. After a short run (batch 4, 32 px, small nets, patch counts that
fit 32 px maps) the learned G must be clearly closer to that truth than the identity map
and than the same network untrained: mean absolute error at most ``MARGIN`` of each.

FastCUT runs with lambda_NCE 1 here instead of its default 10: at 10 the contrastive term
outweighs the GAN so far that this colour rotation is not learned in a test's budget
(measured on the 2-core dev machine: MAE 0.52 after 400 steps, 0.57 after 1200, against
0.46 untrained), while at 1 it reaches 0.29 in 400. What the test checks for FastCUT is
the rest of it: no identity NCE pass and flip equivariance.
Guards against a method whose loss goes down but which does not translate (a term never
reaching the generator, heads that never learn, D and G steps in the wrong order). sc's
twin runs the same with its spatially-correlative term off and must miss the bar.
"""

from __future__ import annotations

import pytest
import torch
from toy_truth import toy_errors

from i2i.plugins import lookup
from i2i.runs import resolve_train_config
from i2i.training.loop import train

# Looser than CycleGAN's 0.6: one-sided methods have no cycle to pin the colours down.
# Measured on the 2-core dev machine (identity 0.68, untrained 0.46, so the bar is 0.32):
# with the authors' anti-aliased G (4-tap up blur) and D, train.seed 0/1/2, CUT 0.237/
# 0.280/0.248 after 600 steps and FastCUT (lambda_NCE 1) 0.217/0.233/0.244 after 400; under
# the AVX2 emulation (seed 0) CUT 0.232, FastCUT 0.242. sc: see below.
MARGIN = 0.7
COMMON = ["data.batch_size=4", "data.num_workers=0", "generator.params.ngf=16",
          "generator.params.n_blocks=2", "discriminator.params.ndf=16",
          "train.sample_every=0", "train.threads=1"]
NCE = ["loss.terms.patchnce.params.layers=[0, 4, 8, 12]",
       "loss.terms.patchnce.params.num_patches=64"]
# sc: the authors' loss and networks (sc.yaml) on shallower VGG16 layers (cheaper at 32 px,
# where all of a map's positions are used and every window is the whole map), at lr 2e-4:
# at the authors' 1e-4, 300 steps end on the bar (0.32).
SCL = ["loss.terms.scl.params.layers=[conv2_1, conv3_1]",
       "loss.terms.scl.params.num_patches=64", "loss.terms.scl.params.patch_size=16",
       "optim.lr=0.0002"]
CASES = {"cut": [*NCE, "train.max_steps=600"],
         "fastcut": [*NCE, "train.max_steps=400", "loss.terms.patchnce.weight=1"],
         "sc": [*SCL, "train.max_steps=500"]}
# Toy error of sc after those 500 steps, seeds 0, 1, 2 (train.seed and torch's), with its
# spatially-correlative term / with the term's weight 0 (the GAN alone), with the authors'
# anti-aliased G and D, measured on the 2-core dev machine:
#   default CPU path: sc 0.256, 0.241, 0.303; GAN alone 0.351, 0.405, 0.566
#   AVX2 emulation (ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2
#   MKL_ENABLE_INSTRUCTIONS=AVX2): sc 0.223, 0.243, 0.222; GAN alone 0.443, 0.469, 0.383
# against min(identity, untrained) 0.458, 0.457, 0.455: the worst sc run is 0.666 of it,
# the best ablated run 0.766. The two bars sit between, 0.034 and 0.026 from them.
MARGINS = {"sc": 0.70}  # the learning test's bar for sc ...
SC_ABLATED_ABOVE = 0.74  # ... and the bar its ablation twin must stay above


def one_sided_errors(method: str, tmp_path, extra=()) -> tuple[float, float, float]:
    """(identity, untrained, trained) toy errors of ``method`` after its CASES run."""
    layer = {"data": {"root": "builtin:toy", "crop_size": 32, "load_size": 36},
             "name": method, "out_dir": str(tmp_path)}
    cfg = resolve_train_config(method, None, None, layer, [*COMMON, *CASES[method], *extra])
    torch.manual_seed(0)
    untrained = lookup("methods", method)(cfg, torch.device("cpu"), training=False)
    ctx = train(cfg, tmp_path / method, show_progress=False)
    return toy_errors(ctx.method, untrained)


@pytest.mark.numerics
@pytest.mark.parametrize("method", sorted(CASES))
def test_one_sided_method_learns_the_toy_translation(method, tmp_path, monkeypatch, request):
    if method == "sc":
        monkeypatch.setenv("I2I_WEIGHTS_DIR", str(request.getfixturevalue("shared_weights")))
    err_identity, err_untrained, err_trained = one_sided_errors(method, tmp_path)
    margin = MARGINS.get(method, MARGIN)
    assert err_trained < margin * err_identity, (err_trained, err_identity)
    assert err_trained < margin * err_untrained, (err_trained, err_untrained)


@pytest.mark.numerics
def test_sc_without_its_spatially_correlative_term_misses_the_bar(tmp_path):
    """The ablation twin of sc's learning test: the same run with ``loss.terms.scl.weight``
    0 (the GAN alone, which has nothing tying G(A) to A) must stay clearly above the bar
    that sc passes, else that test does not show the term at work."""
    err_identity, err_untrained, err_trained = one_sided_errors(
        "sc", tmp_path, ["loss.terms.scl.weight=0"])
    assert err_trained > SC_ABLATED_ABOVE * min(err_identity, err_untrained), (
        err_trained, err_identity, err_untrained)
