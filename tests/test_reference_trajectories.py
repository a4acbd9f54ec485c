"""Trajectory equality: i2i's CycleGAN and pix2pix train exactly as their authors' code.

Each test builds i2i's method (tiny nets at 32 px, pix2pix's at 64 px for a U-Net level
with dropout; float64), hands deep copies of its nets to a transcription of the authors'
``optimize_parameters`` (written out below from junyanz/pytorch-CycleGAN-and-pix2pix,
``models/cycle_gan_model.py``, ``models/pix2pix_model.py``, ``models/networks.py``
GANLoss and ``util/image_pool.py``), and feeds both the same batches, with the torch RNG
reseeded alike before each step (so pix2pix's dropout masks agree). At every step the two
must report the same losses (each term under the authors' name, and the total each
optimiser minimises) and the same gradients for every parameter; after three steps the
same weights.

Tolerance: relative 1e-9 (absolute 1e-12) on losses and gradients, absolute 1e-9 on
weights. The two sides sum the same terms in another order (and i2i may use fused Adam), so
they agree to float64 rounding; the weights' absolute bound is for parameters whose true
gradient is zero (a convolution's bias before instance norm): Adam divides their rounding
noise (~1e-17) by its eps, and they drift apart by up to 7e-11 in three steps (measured). A missing
factor or a swapped weight moves every weight it touches by ~lr = 2e-4 in one step.
"""

from __future__ import annotations

import copy
import itertools
import random

import pytest
import torch
from reference_steps import record_totals, reference_gan_loss, set_requires_grad
from torch import nn

from i2i.methods.cyclegan import CycleGAN
from i2i.methods.pix2pix import Pix2Pix
from i2i.runs import resolve_train_config

CPU = torch.device("cpu")
STEPS = 3
TOL = {"rtol": 1e-9, "atol": 1e-12}
WEIGHT_TOL = {"rtol": 1e-9, "atol": 1e-9}
pytestmark = [pytest.mark.numerics, pytest.mark.usefixtures("one_torch_thread")]


@pytest.fixture(autouse=True)
def float64():
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


def tiny_config(method: str, root: str, size: int, *sets: str):
    layer = {"data": {"root": root, "crop_size": size, "load_size": size,
                      "batch_size": 2, "num_workers": 0}}
    return resolve_train_config(method, None, None, layer, list(sets))


def batches(seed: int, size: int) -> list[dict]:
    gen = torch.Generator().manual_seed(seed)
    return [{"A": torch.rand(2, 3, size, size, generator=gen) * 2 - 1,
             "B": torch.rand(2, 3, size, size, generator=gen) * 2 - 1} for _ in range(STEPS)]


def assert_same(mine: dict[str, nn.Module], theirs: dict[str, nn.Module], what: str,
                buffers: tuple[str, ...] = ()) -> None:
    """Parameters (``what``: "grad" or "weight") of each net equal; buffers of ``buffers``."""
    tol = TOL if what == "grad" else WEIGHT_TOL
    for key, net in mine.items():
        for (name, p), (_, q) in zip(net.named_parameters(), theirs[key].named_parameters(),
                                     strict=True):
            a, b = (p.grad, q.grad) if what == "grad" else (p.detach(), q.detach())
            assert (a is None) == (b is None), f"{key}.{name}: gradient on one side only"
            if a is not None:
                where = f"{key}.{name} {what}"
                torch.testing.assert_close(a, b, **tol, msg=lambda m, w=where: f"{w}: {m}")
        if key in buffers:
            for (name, x), (_, y) in zip(net.named_buffers(), theirs[key].named_buffers(),
                                         strict=True):
                torch.testing.assert_close(x, y, **TOL, msg=f"{key}.{name} differs")


def assert_losses(logs: dict, theirs: dict) -> None:
    for name, value in theirs.items():
        assert logs[name] == pytest.approx(value, rel=TOL["rtol"], abs=TOL["atol"]), name


# ---------------------------------------------------------------- the authors' code, transcribed


class ReferencePool:
    """util/image_pool.py ImagePool. The authors draw from Python's global ``random``; here
    each pool draws from its own ``random.Random`` seeded as i2i seeds that pool, so both
    sides make the same draws (``random.uniform(0, 1)`` is ``random()`` exactly)."""

    def __init__(self, pool_size: int, rng: random.Random):
        self.pool_size, self.rng, self.num_imgs, self.images = pool_size, rng, 0, []
        self.drawn = 0  # stored images handed out (not the authors': a test's check)

    def query(self, images):
        if self.pool_size == 0:
            return images
        return_images = []
        for image in images:
            image = torch.unsqueeze(image.data, 0)
            if self.num_imgs < self.pool_size:
                self.num_imgs += 1
                self.images.append(image)
                return_images.append(image)
            elif self.rng.uniform(0, 1) > 0.5:
                random_id = self.rng.randint(0, self.pool_size - 1)
                tmp = self.images[random_id].clone()
                self.images[random_id] = image
                return_images.append(tmp)
                self.drawn += 1
            else:
                return_images.append(image)
        return torch.cat(return_images, 0)


class ReferenceCycleGAN:
    """models/cycle_gan_model.py CycleGANModel (training part), on the given nets."""

    def __init__(self, nets: dict, opt: dict, pool_seeds: tuple[int, int]):
        self.netG_A, self.netG_B = nets["G_A"], nets["G_B"]
        self.netD_A, self.netD_B = nets["D_A"], nets["D_B"]
        self.opt = opt
        self.fake_A_pool = ReferencePool(opt["pool_size"], random.Random(pool_seeds[0]))
        self.fake_B_pool = ReferencePool(opt["pool_size"], random.Random(pool_seeds[1]))
        self.criterionCycle = nn.L1Loss()
        self.criterionIdt = nn.L1Loss()
        self.optimizer_G = torch.optim.Adam(
            itertools.chain(self.netG_A.parameters(), self.netG_B.parameters()),
            lr=opt["lr"], betas=(opt["beta1"], 0.999))
        self.optimizer_D = torch.optim.Adam(
            itertools.chain(self.netD_A.parameters(), self.netD_B.parameters()),
            lr=opt["lr"], betas=(opt["beta1"], 0.999))

    def criterionGAN(self, prediction, target_is_real):
        return reference_gan_loss(self.opt["gan_mode"], prediction, target_is_real)

    def forward(self):
        self.fake_B = self.netG_A(self.real_A)
        self.rec_A = self.netG_B(self.fake_B)
        self.fake_A = self.netG_B(self.real_B)
        self.rec_B = self.netG_A(self.fake_A)

    def backward_D_basic(self, netD, real, fake):
        loss_D_real = self.criterionGAN(netD(real), True)
        loss_D_fake = self.criterionGAN(netD(fake.detach()), False)
        loss_D = (loss_D_real + loss_D_fake) * 0.5
        loss_D.backward()
        return loss_D

    def backward_G(self):
        lambda_idt, lambda_A, lambda_B = (self.opt["lambda_identity"], self.opt["lambda_A"],
                                          self.opt["lambda_B"])
        if lambda_idt > 0:
            self.idt_A = self.netG_A(self.real_B)
            self.loss_idt_A = self.criterionIdt(self.idt_A, self.real_B) * lambda_B * lambda_idt
            self.idt_B = self.netG_B(self.real_A)
            self.loss_idt_B = self.criterionIdt(self.idt_B, self.real_A) * lambda_A * lambda_idt
        else:
            self.loss_idt_A = self.loss_idt_B = 0
        self.loss_G_A = self.criterionGAN(self.netD_A(self.fake_B), True)
        self.loss_G_B = self.criterionGAN(self.netD_B(self.fake_A), True)
        self.loss_cycle_A = self.criterionCycle(self.rec_A, self.real_A) * lambda_A
        self.loss_cycle_B = self.criterionCycle(self.rec_B, self.real_B) * lambda_B
        self.loss_G = (self.loss_G_A + self.loss_G_B + self.loss_cycle_A + self.loss_cycle_B
                       + self.loss_idt_A + self.loss_idt_B)
        self.loss_G.backward()

    def optimize_parameters(self, real_A, real_B) -> dict[str, float]:
        self.real_A, self.real_B = real_A, real_B
        self.forward()
        set_requires_grad([self.netD_A, self.netD_B], False)
        self.optimizer_G.zero_grad()
        self.backward_G()
        self.optimizer_G.step()
        set_requires_grad([self.netD_A, self.netD_B], True)
        self.optimizer_D.zero_grad()
        self.loss_D_A = self.backward_D_basic(self.netD_A, self.real_B,
                                              self.fake_B_pool.query(self.fake_B))
        self.loss_D_B = self.backward_D_basic(self.netD_B, self.real_A,
                                              self.fake_A_pool.query(self.fake_A))
        self.optimizer_D.step()
        names = ["D_A", "G_A", "cycle_A", "idt_A", "D_B", "G_B", "cycle_B", "idt_B", "G"]
        return {n: float(getattr(self, f"loss_{n}").detach()) for n in names}


class ReferencePix2Pix:
    """models/pix2pix_model.py Pix2PixModel (training part; pool_size 0), on the given nets."""

    def __init__(self, nets: dict, opt: dict):
        self.netG, self.netD, self.opt = nets["G"], nets["D"], opt
        self.criterionL1 = nn.L1Loss()
        self.optimizer_G = torch.optim.Adam(self.netG.parameters(), lr=opt["lr"],
                                            betas=(opt["beta1"], 0.999))
        self.optimizer_D = torch.optim.Adam(self.netD.parameters(), lr=opt["lr"],
                                            betas=(opt["beta1"], 0.999))

    def criterionGAN(self, prediction, target_is_real):
        return reference_gan_loss(self.opt["gan_mode"], prediction, target_is_real)

    def backward_D(self):
        fake_AB = torch.cat((self.real_A, self.fake_B), 1)  # the pool of size 0 returns it
        self.loss_D_fake = self.criterionGAN(self.netD(fake_AB.detach()), False)
        real_AB = torch.cat((self.real_A, self.real_B), 1)
        self.loss_D_real = self.criterionGAN(self.netD(real_AB), True)
        self.loss_D = (self.loss_D_fake + self.loss_D_real) * 0.5
        self.loss_D.backward()

    def backward_G(self):
        fake_AB = torch.cat((self.real_A, self.fake_B), 1)
        self.loss_G_GAN = self.criterionGAN(self.netD(fake_AB), True)
        self.loss_G_L1 = self.criterionL1(self.fake_B, self.real_B) * self.opt["lambda_L1"]
        self.loss_G = self.loss_G_GAN + self.loss_G_L1
        self.loss_G.backward()

    def optimize_parameters(self, real_A, real_B) -> dict[str, float]:
        self.real_A, self.real_B = real_A, real_B
        self.fake_B = self.netG(self.real_A)
        set_requires_grad([self.netD], True)
        self.optimizer_D.zero_grad()
        self.backward_D()
        self.optimizer_D.step()
        set_requires_grad([self.netD], False)
        self.optimizer_G.zero_grad()
        self.backward_G()
        self.optimizer_G.step()
        return {n: float(getattr(self, f"loss_{n}").detach())
                for n in ("G_GAN", "G_L1", "D_real", "D_fake", "D", "G")}


# ---------------------------------------------------------------- the tests


def test_cyclegan_trains_as_the_authors_optimize_parameters():
    """LSGAN, lambda_A 10 and lambda_B 7 (unequal, so a swapped weight shows), identity
    0.5, image pools of 2 at batch 2: the first step fills them, the next two draw."""
    cfg = tiny_config("cyclegan", "builtin:toy", 32, "generator.params.ngf=8",
                      "generator.params.n_blocks=2", "discriminator.params.ndf=8",
                      "loss.lambda_B=7", "train.pool_size=2")
    torch.manual_seed(0)
    method = CycleGAN(cfg, CPU)
    totals = record_totals(method)
    nets = {k: copy.deepcopy(v) for k, v in method.nets.items()}
    seed = cfg.train.seed
    reference = ReferenceCycleGAN(nets, {
        "gan_mode": cfg.loss.gan, "lambda_A": 10.0, "lambda_B": 7.0, "lambda_identity": 0.5,
        "lr": 2e-4, "beta1": 0.5, "pool_size": 2}, pool_seeds=(seed * 2 + 1, seed * 2 + 2))
    assert cfg.loss.gan == "lsgan" and cfg.optim.lr == 2e-4 and cfg.optim.beta1 == 0.5
    for step, batch in enumerate(batches(1, 32)):
        torch.manual_seed(100 + step)
        logs = method.training_step(batch)
        torch.manual_seed(100 + step)
        theirs = reference.optimize_parameters(batch["A"], batch["B"])
        g_total = theirs.pop("G")
        assert_losses(logs, theirs)
        assert totals[2 * step] == ("G", pytest.approx(g_total, rel=TOL["rtol"]))
        d_total = theirs["D_A"] + theirs["D_B"]
        assert totals[2 * step + 1] == ("D", pytest.approx(d_total, rel=TOL["rtol"]))
        assert_same(method.nets, nets, "grad")
    # the pools' random draws were exercised, in both directions
    assert reference.fake_A_pool.drawn > 0 and reference.fake_B_pool.drawn > 0
    assert_same(method.nets, nets, "weight", buffers=tuple(nets))


def test_pix2pix_trains_as_the_authors_optimize_parameters():
    """Vanilla GAN, lambda_L1 100, batch norm, dropout (a 6-level U-Net at 64 px has one
    level with it; the reseeded RNG gives both sides the same masks), D on (input, output)
    pairs with its loss halved, D updated first.
    D's running statistics are not compared: the authors' pix2pix runs D on the fake pair
    first, i2i on the real one first (as the authors' CycleGAN does); D always runs in
    training mode, so those statistics are never read."""
    cfg = tiny_config("pix2pix", "builtin:toy_paired", 64, "generator.params.ngf=4",
                      "generator.params.num_downs=6", "discriminator.params.ndf=8",
                      "discriminator.params.n_layers=2")
    torch.manual_seed(0)
    method = Pix2Pix(cfg, CPU)
    totals = record_totals(method)
    nets = {k: copy.deepcopy(v) for k, v in method.nets.items()}
    assert (cfg.loss.gan, cfg.loss.lambda_recon, cfg.train.pool_size) == ("vanilla", 100, 0)
    assert any(isinstance(m, nn.Dropout) for m in method.nets["G"].modules())
    reference = ReferencePix2Pix(nets, {"gan_mode": "vanilla", "lambda_L1": 100.0,
                                        "lr": 2e-4, "beta1": 0.5})
    for step, batch in enumerate(batches(2, 64)):
        torch.manual_seed(100 + step)
        logs = method.training_step(batch)
        torch.manual_seed(100 + step)
        theirs = reference.optimize_parameters(batch["A"], batch["B"])
        assert_losses(logs, {"G_GAN": theirs["G_GAN"], "G_recon": theirs["G_L1"],
                             "D": 0.5 * (theirs["D_real"] + theirs["D_fake"])})
        assert [k for k, _ in totals[2 * step:]] == ["D", "G"]
        assert totals[2 * step][1] == pytest.approx(theirs["D"], rel=TOL["rtol"])
        assert totals[2 * step + 1][1] == pytest.approx(theirs["G"], rel=TOL["rtol"])
        assert_same(method.nets, nets, "grad")
    assert_same(method.nets, nets, "weight", buffers=("G",))
