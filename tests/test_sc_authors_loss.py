"""The ``scl`` term equals the authors' spatially-correlative loss: value and gradient, in
float64, on the same maps and the same random patch ids, for ``cos`` and ``l1`` with and
without ``use_norm``, fixed (FSeSim) and learned (LSeSim) heads, and the heads' contrastive
step; then end to end through the real VGG16 as the authors' model feeds it.

The reference below is written out from lyndonzheng/F-LSeSim @ 6ca7883: ``models/losses.py``
(``PatchSim``, ``SpatialCorrelativeLoss``) and ``models/sc_model.py`` (``Spatial_Loss``,
``backward_F``, ``backward_G``), keeping their loop over windows and their sort, so that it
does not share i2i's gather/top-k shortcuts.
"""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from i2i.config import build_config
from i2i.losses import spatial_correlative as sc_module
from i2i.losses.color_jitter import color_jitter
from i2i.losses.terms import TermContext, TermInputs, build_terms

CPU = torch.device("cpu")
LAYERS = ["conv3_1", "conv4_1"]  # 256 and 512 channels, as the heads see them


# ------------------------------------------------------------------ the authors' code
class RefPatchSim:
    """F-LSeSim models/losses.py PatchSim."""

    def __init__(self, patch_nums, patch_size, norm):
        self.patch_nums, self.patch_size, self.use_norm = patch_nums, patch_size, norm

    def __call__(self, feat, patch_ids=None):
        b, c, _, _ = feat.size()
        feat = feat - feat.mean(dim=[-2, -1], keepdim=True)
        feat = F.normalize(feat, dim=1) if self.use_norm else feat / math.sqrt(c)
        query, key, patch_ids = self.select_patch(feat, patch_ids)
        sim = query.bmm(key) if self.use_norm else torch.tanh(query.bmm(key) / 10)
        if patch_ids is not None:
            sim = sim.view(b, len(patch_ids), -1)
        return sim, patch_ids

    def select_patch(self, feat, patch_ids=None):
        b, c, w, h = feat.size()  # their names: W is dim 2
        pw = ph = self.patch_size
        flat = feat.permute(0, 2, 3, 1).flatten(1, 2)  # B, N, C
        if self.patch_nums <= 0:  # every position against the whole map
            return feat.reshape(b, c, h * w).permute(0, 2, 1), feat.reshape(b, c, h * w), None
        if patch_ids is None:
            patch_ids = torch.randperm(flat.size(1), device=feat.device)
            patch_ids = patch_ids[:int(min(self.patch_nums, patch_ids.size(0)))]
        query = flat[:, patch_ids, :]
        num = query.size(1)
        if pw < w and ph < h:
            pos_x, pos_y = patch_ids // w, patch_ids % w
            left, top = pos_x - int(pw / 2), pos_y - int(ph / 2)
            left = torch.where(left > 0, left, torch.zeros_like(left))
            top = torch.where(top > 0, top, torch.zeros_like(top))
            sx = torch.where(left > (w - pw), (w - pw) * torch.ones_like(left), left)
            sy = torch.where(top > (h - ph), (h - ph) * torch.ones_like(top), top)
            keys = [feat[:, :, sx[i]:sx[i] + pw, sy[i]:sy[i] + ph] for i in range(num)]
            key = torch.stack(keys, dim=0).permute(1, 0, 2, 3, 4).reshape(b * num, c, pw * ph)
            query = query.reshape(b * num, 1, c)
        else:
            key = feat.reshape(b, c, w * h)
        return query, key, patch_ids


class RefSpatialLoss(nn.Module):
    """F-LSeSim models/losses.py SpatialCorrelativeLoss, heads made up front instead of at
    the first call (``create_conv``: c -> max(32, c // 4) -> same)."""

    def __init__(self, loss_mode, patch_nums, patch_size, norm, use_conv, widths, T):
        super().__init__()
        self.patch_sim = RefPatchSim(patch_nums, patch_size, norm)
        self.loss_mode, self.use_conv, self.T = loss_mode, use_conv, T
        self.criterion = nn.L1Loss() if norm else nn.SmoothL1Loss()
        if use_conv:
            for layer, c in enumerate(widths):
                m = max(32, c // 4)
                setattr(self, f"conv_{layer}", nn.Sequential(
                    nn.Conv2d(c, m, 1), nn.ReLU(), nn.Conv2d(m, m, 1)))

    def cal_sim(self, f_src, f_tgt, f_other, layer):
        if self.use_conv:
            conv = getattr(self, f"conv_{layer}")
            f_src, f_tgt = conv(f_src), conv(f_tgt)
            f_other = conv(f_other) if f_other is not None else None
        sim_src, ids = self.patch_sim(f_src)
        sim_tgt, ids = self.patch_sim(f_tgt, ids)
        sim_other = self.patch_sim(f_other, ids)[0] if f_other is not None else None
        return sim_src, sim_tgt, sim_other

    def compare_sim(self, sim_src, sim_tgt, sim_other):
        _, num_q, n = sim_src.size()
        if sim_other is not None:
            sim_src, sim_tgt, sim_other = (F.normalize(x, dim=-1)
                                           for x in (sim_src, sim_tgt, sim_other))
            neg1 = sim_src.bmm(sim_other.permute(0, 2, 1)).view(-1, num_q) / self.T
            neg2 = sim_tgt.bmm(sim_other.permute(0, 2, 1)).view(-1, num_q) / self.T
            pos = sim_src.bmm(sim_tgt.permute(0, 2, 1)).view(-1, num_q) / self.T
            logits = torch.cat([pos, neg1, neg2], dim=-1)
            labels = torch.arange(0, logits.size(0), dtype=torch.long) % num_q
            return nn.CrossEntropyLoss()(logits, labels)
        ranked, _ = sim_tgt.sort(dim=-1, descending=True)
        num = int(n / 4)
        drop = sim_tgt < ranked[:, :, num:num + 1]
        src = torch.where(drop, 0 * sim_src, sim_src)
        tgt = torch.where(drop, 0 * sim_tgt, sim_tgt)
        if self.loss_mode == "l1":
            return self.criterion((n / num) * src, (n / num) * tgt)
        cos = F.cosine_similarity(src, tgt, dim=-1)
        return self.criterion(torch.ones_like(cos), cos)

    def spatial_loss(self, feats_src, feats_tgt, feats_oth=None):
        """sc_model.py Spatial_Loss after the VGG: the layers' losses averaged."""
        feats_oth = feats_oth or [None] * len(feats_src)
        total = 0.0
        for i, (fs, ft, fo) in enumerate(zip(feats_src, feats_tgt, feats_oth, strict=True)):
            total += self.compare_sim(*self.cal_sim(fs, ft, fo, i)).mean()
        return total / len(feats_src)


# ------------------------------------------------------------------ helpers
@pytest.fixture
def vgg_weights(shared_weights, monkeypatch):
    monkeypatch.setenv("I2I_WEIGHTS_DIR", str(shared_weights))


def make_term(layers=LAYERS, size: int = 32, **params):
    cfg = build_config([{"data": {"crop_size": size}}])
    spec = {"scl": {"weight": 1.0, "params": {"layers": layers, **params}}}
    (built,) = build_terms(spec, TermContext(cfg, CPU), ("source", "result"))
    return built.term


def reference_for(term) -> RefSpatialLoss:
    """The authors' module with the term's settings and, if learned, its head weights."""
    widths = [256 if name.startswith("conv3") else 512 for name in term.layers]
    ref = RefSpatialLoss(term.mode, term.num_patches, term.patch_size, term.use_norm,
                         term.learned, widths, term.temperature)
    if term.learned:
        for i, head in enumerate(term.heads):
            getattr(ref, f"conv_{i}").load_state_dict(head.state_dict())
    return ref.to(next(iter(term.parameters()), torch.empty(0)).dtype)


def feature_maps(seed: int, sides=(8, 3), batch: int = 2) -> list[torch.Tensor]:
    """Random ReLU-like float64 maps of the widths of LAYERS (a 3x3 map: odd, tiny)."""
    g = torch.Generator().manual_seed(seed)
    return [torch.relu(torch.randn(batch, c, s, s, generator=g, dtype=torch.float64))
            for c, s in zip((256, 512), sides, strict=True)]


def assert_same(a: torch.Tensor, b: torch.Tensor, tol: float = 1e-10) -> None:
    assert torch.allclose(a, b, rtol=tol, atol=tol), (a, b)


# ------------------------------------------------------------------ the generator's term
@pytest.mark.parametrize("learned", [False, True], ids=["FSeSim", "LSeSim"])
@pytest.mark.parametrize("use_norm", [False, True], ids=["tanh", "use_norm"])
@pytest.mark.parametrize("mode", ["cos", "l1"])
@pytest.mark.parametrize("num_patches,patch_size", [(256, 64), (20, 3), (5, 2), (0, 64)],
                         ids=["whole-maps", "windows", "small-windows", "every-position"])
def test_scl_term_equals_the_authors_loss_in_value_and_gradient(
        vgg_weights, mode, use_norm, learned, num_patches, patch_size):
    """Guards against any departure from the authors' formula: window in feature cells
    (whole map where the map is not larger), top-quarter mask of the translation's map, N/num
    rescale, tanh/sqrt(C) vs normalised features, SmoothL1 vs L1, patch counts clamped to
    a map's positions, the learned heads' shape."""
    torch.manual_seed(3)
    term = make_term(mode=mode, use_norm=use_norm, learned=learned,
                     num_patches=num_patches, patch_size=patch_size).double()
    ref = reference_for(term)
    source = feature_maps(0)
    ours_in = [f.requires_grad_() for f in feature_maps(1)]
    ref_in = [f.detach().clone().requires_grad_() for f in ours_in]

    torch.manual_seed(11)  # the same patch ids: both draw one randperm per layer in order
    ours = term.structure_loss(source, ours_in)
    torch.manual_seed(11)
    theirs = ref.spatial_loss(source, ref_in)
    assert_same(ours, theirs)
    ours.backward()
    theirs.backward()
    for a, b in zip(ours_in, ref_in, strict=True):
        assert a.grad.abs().sum() > 0
        assert_same(a.grad, b.grad)


@pytest.mark.parametrize("use_norm", [False, True], ids=["tanh", "use_norm"])
@pytest.mark.parametrize("num_patches,patch_size", [(256, 64), (20, 3)],
                         ids=["whole-maps", "windows"])
def test_lsesim_contrastive_step_equals_the_authors_in_value_and_gradient(
        vgg_weights, use_norm, num_patches, patch_size):
    """Guards against other positives/negatives or another temperature in the heads' own
    step: InfoNCE over [src.tgt, src.other, tgt.other] logits, as ``compare_sim`` with a
    third map."""
    torch.manual_seed(4)
    term = make_term(learned=True, use_norm=use_norm, num_patches=num_patches,
                     patch_size=patch_size).double()
    assert term.temperature == 0.07  # the authors' --T default
    ref = reference_for(term)
    src, pos, oth = feature_maps(0), feature_maps(1), feature_maps(2)
    torch.manual_seed(12)
    ours = term.contrast_loss(src, pos, oth)
    torch.manual_seed(12)
    theirs = ref.spatial_loss(src, pos, oth)
    assert_same(ours, theirs)
    ours.backward()
    theirs.backward()
    ref_params = dict(ref.named_parameters())
    for name, p in term.heads.named_parameters():
        layer, rest = name.split(".", 1)
        assert p.grad.abs().sum() > 0
        assert_same(p.grad, ref_params[f"conv_{layer}.{rest}"].grad)


def test_lsesim_heads_have_the_authors_widths(vgg_weights):
    """Guards against c -> c heads: the authors' are c -> max(32, c/4) -> max(32, c/4)."""
    term = make_term(layers=["conv1_1", "conv3_1", "conv4_3"], learned=True)
    widths = [[tuple(m.weight.shape[:2]) for m in h if isinstance(m, nn.Conv2d)]
              for h in term.heads]
    assert widths == [[(32, 64), (32, 32)], [(64, 256), (64, 64)], [(128, 512), (128, 128)]]


# ------------------------------------------------------------------ through the real VGG16
def authors_vgg(weights_dir) -> nn.Sequential:
    """torchvision's vgg16().features (in-place ReLUs) through conv4_3's ReLU."""
    plan = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512]
    layers, c = [], 3
    for v in plan:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(c, v, 3, padding=1), nn.ReLU(inplace=True)]
            c = v
    net = nn.Sequential(*layers)
    state = torch.load(weights_dir / "vgg16-features.pth", weights_only=True)
    net.load_state_dict({k: v for k, v in state.items() if int(k.split(".")[0]) < 23})
    return net


# F-LSeSim losses.py VGG16: relu1_1 = features[0:2], relu1_2 = [2:4], ..., relu4_1 = [16:18]
# (pool, conv4_1: its ReLU, features[18], opens relu4_2 and rectifies relu4_1 in place),
# relu4_3 = [21:23]; --attn_layers 4,7,9 count the entries of that list.
SLICES = [(0, 2), (2, 4), (4, 7), (7, 9), (9, 12), (12, 14), (14, 16), (16, 18), (18, 21),
          (21, 23)]


def authors_features(net, images):
    """sc_model.py: Normalization((x + 1) / 2), then netPre(..., [4, 7, 9], encode_only)."""
    mean = torch.tensor([0.485, 0.456, 0.406]).view(-1, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(-1, 1, 1)
    x = ((images + 1) * 0.5 - mean) / std
    outs = []
    for start, stop in SLICES:
        x = net[start:stop](x)
        outs.append(x)
    return [outs[i] for i in (4, 7, 9)]


def tanh_images(seed: int, n: int = 2) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 3, 32, 32, generator=g) * 2 - 1


@pytest.mark.parametrize("learned", [False, True], ids=["FSeSim", "LSeSim"])
def test_scl_term_on_images_equals_the_authors_backward_g(shared_weights, vgg_weights,
                                                          learned):
    """Guards against other VGG16 layers than their 4,7,9, another input normalisation, or
    a term that draws its patch ids differently from theirs (the defaults: 256 patches, 64
    cell windows, cos, no use_norm, at 32 px where every map has fewer positions)."""
    torch.manual_seed(5)
    term = make_term(layers=sc_module.DEFAULT_LAYERS, learned=learned)
    ref = reference_for(term)
    cuts = authors_vgg(shared_weights)
    real_a, fake = tanh_images(0), tanh_images(1).requires_grad_()
    fake_ref = fake.detach().clone().requires_grad_()
    torch.manual_seed(13)
    ours = term(TermInputs(source=real_a, result=fake))
    torch.manual_seed(13)
    with torch.no_grad():
        src = authors_features(cuts, real_a)
    theirs = ref.spatial_loss(src, authors_features(cuts, fake_ref))
    assert torch.allclose(ours, theirs, rtol=1e-5, atol=1e-6), (ours, theirs)
    ours.backward()
    theirs.backward()
    assert torch.allclose(fake.grad, fake_ref.grad, rtol=1e-4, atol=1e-8)


@pytest.mark.parametrize("augment", [False, True])
def test_lsesim_own_step_on_images_equals_the_authors_backward_f(shared_weights, vgg_weights,
                                                                 monkeypatch, augment):
    """Guards against other pairs in the heads' step: (A, G(A).detach()) positive, a real
    B flipped in both axes as negative; with augment a second pair (A, jittered A) against
    a jittered flipped B (the jitter made deterministic here to compare the arrangement)."""
    def fixed_jitter(x):
        return x * 0.5 + 0.1 * x.mean(dim=(2, 3), keepdim=True)

    monkeypatch.setattr(sc_module, "jitter_tanh", fixed_jitter)
    torch.manual_seed(6)
    term = make_term(layers=sc_module.DEFAULT_LAYERS, learned=True, augment=augment)
    ref = reference_for(term)
    cuts = authors_vgg(shared_weights)
    real_a, fake_b, real_b = tanh_images(0), tanh_images(1), tanh_images(2)
    torch.manual_seed(14)
    ours = term(TermInputs(source=real_a, result=fake_b, reference=real_b),
                own_step=True)["scl_contrast"]
    # sc_model.py backward_F: with augment the dataset's A_aug/B_aug join the batch
    a, tgt, other = real_a, fake_b, real_b
    if augment:
        a = torch.cat([real_a, real_a])
        tgt = torch.cat([fake_b, fixed_jitter(real_a)])
        other = torch.cat([real_b, fixed_jitter(real_b)])
    torch.manual_seed(14)
    with torch.no_grad():
        feats = [authors_features(cuts, x) for x in (a, tgt, torch.flip(other, [2, 3]))]
    theirs = ref.spatial_loss(*feats)
    assert torch.allclose(ours, theirs, rtol=1e-5, atol=1e-6), (ours, theirs)
    ours.backward()
    theirs.backward()
    ref_params = dict(ref.named_parameters())
    for name, p in term.heads.named_parameters():
        layer, rest = name.split(".", 1)
        assert torch.allclose(p.grad, ref_params[f"conv_{layer}.{rest}"].grad,
                              rtol=1e-4, atol=1e-7), name


def test_color_jitter_equals_torchvision_color_jitter_draw_for_draw():
    """Guards against a milder augmentation than the authors' ColorJitter(0.5, 0.5, 0.5,
    0.3): i2i's tensor version makes torchvision's images from the same seed."""
    from torchvision import transforms

    images = torch.rand(4, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    torch.manual_seed(7)
    theirs = torch.stack([transforms.ColorJitter(0.5, 0.5, 0.5, 0.3)(x) for x in images])
    torch.manual_seed(7)
    ours = color_jitter(images, **sc_module.JITTER)
    assert (ours - images).abs().mean() > 0.02  # it does change the images
    assert torch.allclose(ours, theirs, atol=1e-5)
