"""CUT as its authors wrote it, transcribed into plain torch for tests that hold i2i's
``cut`` against it: taesungp/contrastive-unpaired-translation at commit b3ac297
(``models/networks.py``: ``Downsample``, ``Upsample``, ``ResnetGenerator``,
``ResnetBlock``, ``NLayerDiscriminator``, ``Normalize``, ``PatchSampleF``;
``models/patchnce.py``: ``PatchNCELoss``; ``models/cut_model.py``: ``CUTModel``).

Only what CUT trains with by default is kept: instance norm, reflect padding, dropout off,
anti-aliased down- and upsampling (``no_antialias=False``, ``no_antialias_up=False``),
``netF mlp_sample``, LSGAN. Nothing in i2i imports this file; it shares no code with i2i.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def blur_kernel(taps: int) -> torch.Tensor:
    """networks.get_filter: outer product of a binomial row, summing to 1."""
    row = {3: [1.0, 2.0, 1.0], 4: [1.0, 3.0, 3.0, 1.0]}[taps]
    a = np.array(row)
    k = torch.Tensor(a[:, None] * a[None, :])
    return k / k.sum()


class Downsample(nn.Module):
    """networks.Downsample at its defaults: reflect pad 1, 3x3 blur, keep every 2nd."""

    def __init__(self, channels: int):
        super().__init__()
        self.register_buffer("filt", blur_kernel(3)[None, None].repeat(channels, 1, 1, 1))

    def forward(self, x):
        return F.conv2d(nn.ReflectionPad2d(1)(x), self.filt, stride=2, groups=x.shape[1])


class Upsample(nn.Module):
    """networks.Upsample at its defaults: replicate pad 1, transposed 4x4 [1,3,3,1] blur x4
    at stride 2 (padding 1 + 1), then the first row/column and the last dropped."""

    def __init__(self, channels: int):
        super().__init__()
        self.register_buffer("filt", (blur_kernel(4) * 4)[None, None].repeat(channels, 1, 1, 1))

    def forward(self, x):
        y = F.conv_transpose2d(nn.ReplicationPad2d(1)(x), self.filt, stride=2, padding=2,
                               groups=x.shape[1])[:, :, 1:, 1:]
        return y[:, :, :-1, :-1]  # an even filter: one more row and column to drop


def instance_norm(c: int) -> nn.Module:
    return nn.InstanceNorm2d(c, affine=False, track_running_stats=False)


class ResnetBlock(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=True), instance_norm(dim),
            nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=True), instance_norm(dim))

    def forward(self, x):
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    """networks.ResnetGenerator, anti-aliased, instance norm (so every conv has a bias)."""

    def __init__(self, input_nc: int, output_nc: int, ngf: int, n_blocks: int):
        super().__init__()
        model = [nn.ReflectionPad2d(3), nn.Conv2d(input_nc, ngf, 7, bias=True),
                 instance_norm(ngf), nn.ReLU(True)]
        for i in range(2):
            c = ngf * 2**i
            model += [nn.Conv2d(c, 2 * c, 3, stride=1, padding=1, bias=True),
                      instance_norm(2 * c), nn.ReLU(True), Downsample(2 * c)]
        model += [ResnetBlock(ngf * 4) for _ in range(n_blocks)]
        for i in range(2):
            c = ngf * 2 ** (2 - i)
            model += [Upsample(c), nn.Conv2d(c, c // 2, 3, stride=1, padding=1, bias=True),
                      instance_norm(c // 2), nn.ReLU(True)]
        model += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, output_nc, 7), nn.Tanh()]
        self.model = nn.Sequential(*model)

    def forward(self, x, layers=(), encode_only=False):
        if not layers:
            return self.model(x)
        feats = []
        for idx, module in enumerate(self.model):
            x = module(x)
            if idx in layers:
                feats.append(x)
            if idx == layers[-1] and encode_only:
                return feats
        return x, feats


class NLayerDiscriminator(nn.Module):
    """networks.NLayerDiscriminator, anti-aliased (stride-1 4x4 convs, then Downsample)."""

    def __init__(self, input_nc: int, ndf: int, n_layers: int = 3):
        super().__init__()
        seq = [nn.Conv2d(input_nc, ndf, 4, stride=1, padding=1), nn.LeakyReLU(0.2, True),
               Downsample(ndf)]
        mult = 1
        for n in range(1, n_layers):
            prev, mult = mult, min(2**n, 8)
            seq += [nn.Conv2d(ndf * prev, ndf * mult, 4, stride=1, padding=1, bias=True),
                    instance_norm(ndf * mult), nn.LeakyReLU(0.2, True), Downsample(ndf * mult)]
        prev, mult = mult, min(2**n_layers, 8)
        seq += [nn.Conv2d(ndf * prev, ndf * mult, 4, stride=1, padding=1, bias=True),
                instance_norm(ndf * mult), nn.LeakyReLU(0.2, True),
                nn.Conv2d(ndf * mult, 1, 4, stride=1, padding=1)]
        self.model = nn.Sequential(*seq)

    def forward(self, x):
        return self.model(x)


def l2norm(x: torch.Tensor) -> torch.Tensor:
    """networks.Normalize(2) over dim 1."""
    return x.div(x.pow(2).sum(1, keepdim=True).pow(0.5) + 1e-7)


def numpy_ids(hw: int, num_patches: int) -> torch.Tensor:
    """PatchSampleF's own draw: a permutation of the positions, the first min(P, HW)."""
    ids = np.random.permutation(hw)
    return torch.tensor(ids[: int(min(num_patches, ids.shape[0]))], dtype=torch.long)


class PatchSampleF(nn.Module):
    """networks.PatchSampleF(use_mlp=True): the MLPs are made at the first call, from the
    feature widths it sees, and initialised then (xavier, gain 0.02, as init_net does).

    ``contiguous_grad`` (not in the original; changes no value): the gradient that
    ``permute(0, 2, 3, 1)`` sends back to a feature map is channels_last, and with torch
    2.14 on the CPU ``instance_norm``'s backward at batch 1 gets a channels_last gradient
    wrong (up to 100 % off; batch >= 2 and contiguous gradients are right). A hook makes
    that gradient contiguous, so this code computes the gradient its authors' code means;
    with ``False`` it runs as they wrote it, bug included, on such a build."""

    def __init__(self, nc: int = 256, draw: Callable[[int, int], torch.Tensor] = numpy_ids,
                 contiguous_grad: bool = True):
        super().__init__()
        self.nc, self.draw, self.mlp_init = nc, draw, False
        self.contiguous_grad = contiguous_grad

    def create_mlp(self, feats) -> None:
        for i, feat in enumerate(feats):
            setattr(self, f"mlp_{i}", nn.Sequential(nn.Linear(feat.shape[1], self.nc),
                                                    nn.ReLU(), nn.Linear(self.nc, self.nc)))
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_normal_(m.weight, gain=0.02)
                nn.init.constant_(m.bias, 0.0)
        self.mlp_init = True

    def forward(self, feats, num_patches: int, patch_ids=None):
        if not self.mlp_init:
            self.create_mlp(feats)
        out, ids_out = [], []
        for i, feat in enumerate(feats):
            if feat.requires_grad and self.contiguous_grad:
                feat.register_hook(torch.Tensor.contiguous)
            flat = feat.permute(0, 2, 3, 1).flatten(1, 2)  # (B, HW, C)
            ids = patch_ids[i] if patch_ids is not None else self.draw(flat.shape[1],
                                                                       num_patches)
            ids = torch.as_tensor(ids, dtype=torch.long, device=feat.device)
            sample = getattr(self, f"mlp_{i}")(flat[:, ids, :].flatten(0, 1))
            ids_out.append(ids)
            out.append(l2norm(sample))
        return out, ids_out


def patch_nce_loss(feat_q, feat_k, batch_size: int, nce_t: float) -> torch.Tensor:
    """patchnce.PatchNCELoss.forward (negatives from the same image only): per patch."""
    n, dim = feat_q.shape
    feat_k = feat_k.detach()
    l_pos = torch.bmm(feat_q.view(n, 1, -1), feat_k.view(n, -1, 1)).view(n, 1)
    q = feat_q.view(batch_size, -1, dim)
    k = feat_k.view(batch_size, -1, dim)
    npatches = q.size(1)
    l_neg = torch.bmm(q, k.transpose(2, 1))
    eye = torch.eye(npatches, device=q.device, dtype=torch.bool)[None, :, :]
    l_neg = l_neg.masked_fill(eye, -10.0).view(-1, npatches)
    logits = torch.cat((l_pos, l_neg), dim=1) / nce_t
    target = torch.zeros(logits.size(0), dtype=torch.long, device=q.device)
    return F.cross_entropy(logits, target, reduction="none")


def lsgan(pred: torch.Tensor, real: bool) -> torch.Tensor:
    """networks.GANLoss('lsgan'): MSE against a constant 1 (real) or 0 (fake) target."""
    return F.mse_loss(pred, torch.full_like(pred, 1.0 if real else 0.0))


class CUTModel:
    """cut_model.CUTModel in CUT mode (nce_idt on, lambda_NCE 1, no flip), training only:
    ``data_dependent_initialize`` on the first batch (one forward and backward, which makes
    F's MLPs; F's Adam is created after it), then ``optimize_parameters`` every step."""

    def __init__(self, netG, netD, netF, nce_layers, num_patches: int = 256,
                 nce_t: float = 0.07, lambda_gan: float = 1.0, lambda_nce: float = 1.0,
                 lr: float = 2e-4, betas=(0.5, 0.999)):
        self.netG, self.netD, self.netF = netG, netD, netF
        self.nce_layers, self.num_patches, self.nce_t = list(nce_layers), num_patches, nce_t
        self.lambda_gan, self.lambda_nce, self.lr, self.betas = lambda_gan, lambda_nce, lr, betas
        self.optimizer_G = torch.optim.Adam(netG.parameters(), lr=lr, betas=betas)
        self.optimizer_D = torch.optim.Adam(netD.parameters(), lr=lr, betas=betas)
        self.optimizer_F = None

    def set_input(self, a: torch.Tensor, b: torch.Tensor) -> None:
        self.real_A, self.real_B = a, b

    def data_dependent_initialize(self) -> None:
        self.forward()
        self.compute_D_loss().backward()
        self.compute_G_loss().backward()
        self.optimizer_F = torch.optim.Adam(self.netF.parameters(), lr=self.lr,
                                            betas=self.betas)

    def forward(self) -> None:
        self.real = torch.cat((self.real_A, self.real_B), dim=0)
        self.fake = self.netG(self.real)
        n = self.real_A.size(0)
        self.fake_B, self.idt_B = self.fake[:n], self.fake[n:]

    def optimize_parameters(self) -> None:
        self.forward()
        for p in self.netD.parameters():
            p.requires_grad = True
        self.optimizer_D.zero_grad()
        self.loss_D = self.compute_D_loss()
        self.loss_D.backward()
        self.optimizer_D.step()
        for p in self.netD.parameters():
            p.requires_grad = False
        self.optimizer_G.zero_grad()
        self.optimizer_F.zero_grad()
        self.loss_G = self.compute_G_loss()
        self.loss_G.backward()
        self.optimizer_G.step()
        self.optimizer_F.step()

    def compute_D_loss(self) -> torch.Tensor:
        self.loss_D_fake = lsgan(self.netD(self.fake_B.detach()), False).mean()
        self.loss_D_real = lsgan(self.netD(self.real_B), True).mean()
        return (self.loss_D_fake + self.loss_D_real) * 0.5

    def compute_G_loss(self) -> torch.Tensor:
        self.loss_G_GAN = lsgan(self.netD(self.fake_B), True).mean() * self.lambda_gan
        self.loss_NCE = self.calculate_NCE_loss(self.real_A, self.fake_B)
        self.loss_NCE_Y = self.calculate_NCE_loss(self.real_B, self.idt_B)
        return self.loss_G_GAN + (self.loss_NCE + self.loss_NCE_Y) * 0.5

    def calculate_NCE_loss(self, src, tgt) -> torch.Tensor:  # noqa: N802 - the authors' name
        feat_q = self.netG(tgt, self.nce_layers, encode_only=True)
        feat_k = self.netG(src, self.nce_layers, encode_only=True)
        feat_k_pool, ids = self.netF(feat_k, self.num_patches, None)
        feat_q_pool, _ = self.netF(feat_q, self.num_patches, ids)
        total = 0.0
        for f_q, f_k in zip(feat_q_pool, feat_k_pool, strict=True):
            batch = self.real_A.size(0)
            total += (patch_nce_loss(f_q, f_k, batch, self.nce_t) * self.lambda_nce).mean()
        return total / len(self.nce_layers)
