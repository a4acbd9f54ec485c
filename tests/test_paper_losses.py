"""The losses the papers define equal their authors' formulas on the same tensors.

Each test writes the authors' formula out in plain torch (repository and file named at the
test) and asserts that i2i's term gives the same value and the same gradient, in float64
(relative 1e-10) unless a frozen VGG, which computes in float32, is involved. Covered here:
the CycleGAN/pix2pix GAN criteria, BicycleGAN's cVAE-GAN and cLR-GAN terms (one step of
the method against the authors' ``optimize_parameters``), UNIT's KL and cycle terms (one
step against ``dis_update`` + ``gen_update``) and DTN's L_D, L_GANG, f-constancy and TID
(the paper's equations; the authors published no code). CycleGAN's and pix2pix's whole
objectives are checked step by step in ``test_reference_trajectories.py``; PatchNCE and the
spatially-correlative loss have tests of their own.
"""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F
from reference_steps import record_totals, reference_gan_loss, set_requires_grad

from i2i.losses.criteria import gan_loss
from i2i.losses.terms import TermContext, TermInputs, build_terms
from i2i.methods.bicyclegan import BicycleGAN
from i2i.methods.dtn import DTN, REAL, SOURCE_FAKE, TARGET_FAKE
from i2i.methods.unit import UNIT
from i2i.runs import resolve_train_config

CPU = torch.device("cpu")
TOL = {"rtol": 1e-10, "atol": 1e-13}
pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def float64():
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


def config(method: str, root: str, *sets: str):
    layer = {"data": {"root": root, "crop_size": 32, "load_size": 32, "num_workers": 0}}
    return resolve_train_config(method, None, None, layer, list(sets))


def images(n: int, seed: int, requires_grad: bool = False) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 3, 32, 32, generator=gen) * 2 - 1
    return x.requires_grad_(requires_grad)


def assert_value_and_gradient(mine: torch.Tensor, theirs: torch.Tensor, wrt, tol=TOL):
    """Same value, and the same gradient with respect to each tensor of ``wrt`` (a tensor
    that one side does not depend on must not be reached by the other either)."""
    torch.testing.assert_close(mine, theirs, **tol)
    grads = [torch.autograd.grad(v, wrt, retain_graph=True, allow_unused=True)
             for v in (mine, theirs)]
    for i, (a, b) in enumerate(zip(*grads, strict=True)):
        assert (a is None) == (b is None), f"input {i} reached by one side only"
        if a is not None:
            torch.testing.assert_close(a, b, **tol, msg=lambda m, i=i: f"input {i}: {m}")


def assert_same_gradients(mine: dict, theirs: dict, keys) -> None:
    for key in keys:
        for (name, p), (_, q) in zip(mine[key].named_parameters(),
                                     theirs[key].named_parameters(), strict=True):
            assert (p.grad is None) == (q.grad is None), f"{key}.{name}"
            if p.grad is not None:
                torch.testing.assert_close(p.grad, q.grad, **TOL,
                                           msg=lambda m, w=f"{key}.{name}": f"{w}: {m}")


# ---------------------------------------------------------------- CycleGAN and pix2pix


@pytest.mark.parametrize("mode", ["lsgan", "vanilla"])
def test_gan_criteria_equal_the_authors_ganloss(mode, float64):
    """junyanz/pytorch-CycleGAN-and-pix2pix, models/networks.py GANLoss (MSELoss or
    BCEWithLogitsLoss against the label 1 or 0 expanded to the prediction) and
    cycle_gan_model.py backward_D_basic / pix2pix_model.py backward_D (D's real and fake
    terms summed and halved); G's term is GANLoss(D(fake), True)."""
    real, fake = (torch.randn(2, 1, 6, 6, generator=torch.Generator().manual_seed(s),
                              requires_grad=True) for s in (1, 2))

    def written_out(pred, is_real):  # the same as the authors' modules, by the formula
        y = torch.full_like(pred, 1.0 if is_real else 0.0)
        if mode == "lsgan":
            return ((pred - y) ** 2).mean()
        return -(y * F.logsigmoid(pred) + (1 - y) * F.logsigmoid(-pred)).mean()

    criterion = gan_loss(mode)
    for ganloss in (written_out, lambda p, r: reference_gan_loss(mode, p, r)):
        assert_value_and_gradient(criterion.discriminator_loss(real, fake),
                                  (ganloss(real, True) + ganloss(fake, False)) * 0.5,
                                  (real, fake))
        assert_value_and_gradient(criterion.generator_loss(fake), ganloss(fake, True),
                                  (real, fake))


# ---------------------------------------------------------------- BicycleGAN

BICYCLE = ["generator.params.ngf=4", "discriminator.params.ndf=4",
           "discriminator.params.n_layers=1", "encoder.params.nef=4",
           "encoder.params.n_blocks=3", "data.batch_size=2"]


class ReferenceBicycleGAN:
    """junyanz/BicycleGAN, models/bicycle_gan_model.py (commit 40b9d52): forward,
    backward_EG, backward_G_alone, update_G_and_E, update_D, with the defaults of
    options/train_options.py (lsgan, lambda_L1 10, lambda_GAN = lambda_GAN2 1, lambda_z
    0.5, lambda_kl 0.01), one discriminator scale and z added at the input (its
    ``--num_Ds 1 --where_add input``: i2i's networks)."""

    def __init__(self, nets: dict, opt: dict):
        self.netG, self.netE, self.netD, self.netD2 = (nets[k] for k in ("G", "E", "D", "D2"))
        self.opt = opt

        def adam(net):
            return torch.optim.Adam(net.parameters(), lr=opt["lr"], betas=(opt["beta1"], 0.999))

        self.optimizer_G, self.optimizer_E = adam(self.netG), adam(self.netE)
        self.optimizer_D, self.optimizer_D2 = adam(self.netD), adam(self.netD2)

    def criterionGAN(self, prediction, target_is_real):
        return reference_gan_loss("lsgan", prediction, target_is_real)

    def G(self, a, z):  # G_Unet_add_input: z tiled over the image, concatenated to it
        z_img = z.view(z.size(0), z.size(1), 1, 1).expand(z.size(0), z.size(1), a.size(2),
                                                          a.size(3))
        return self.netG(torch.cat([a, z_img], 1))

    def encode(self, input_image):
        mu, logvar = self.netE(input_image)
        std = logvar.mul(0.5).exp_()
        eps = torch.randn(std.size(0), std.size(1))
        return eps.mul(std).add_(mu), mu, logvar

    def forward(self):
        half = self.opt["batch_size"] // 2
        self.real_A_encoded, self.real_B_encoded = self.real_A[:half], self.real_B[:half]
        self.real_B_random = self.real_B[half:]
        self.z_encoded, self.mu, self.logvar = self.encode(self.real_B_encoded)
        self.z_random = torch.randn(self.real_A_encoded.size(0), self.opt["nz"])
        self.fake_B_encoded = self.G(self.real_A_encoded, self.z_encoded)
        self.fake_B_random = self.G(self.real_A_encoded, self.z_random)
        self.mu2, _ = self.netE(self.fake_B_random)

    def backward_D(self, netD, real, fake):
        loss_D_fake = self.criterionGAN(netD(fake.detach()), False)
        loss_D_real = self.criterionGAN(netD(real), True)
        loss_D = loss_D_fake + loss_D_real
        loss_D.backward()
        return loss_D

    def backward_EG(self):
        o = self.opt
        self.loss_G_GAN = self.criterionGAN(self.netD(self.fake_B_encoded), True) * o["lambda_GAN"]
        self.loss_G_GAN2 = (self.criterionGAN(self.netD2(self.fake_B_random), True)
                            * o["lambda_GAN2"])
        self.loss_kl = torch.sum(1 + self.logvar - self.mu.pow(2) - self.logvar.exp()) * (
            -0.5 * o["lambda_kl"])
        self.loss_G_L1 = F.l1_loss(self.fake_B_encoded, self.real_B_encoded) * o["lambda_L1"]
        self.loss_G = self.loss_G_GAN + self.loss_G_GAN2 + self.loss_G_L1 + self.loss_kl
        self.loss_G.backward(retain_graph=True)

    def optimize_parameters(self, real_A, real_B) -> dict[str, float]:
        self.real_A, self.real_B = real_A, real_B
        self.forward()
        set_requires_grad([self.netD, self.netD2], False)  # update_G_and_E
        self.optimizer_E.zero_grad()
        self.optimizer_G.zero_grad()
        self.backward_EG()
        set_requires_grad([self.netE], False)  # backward_G_alone: G alone learns z back
        self.loss_z_L1 = F.l1_loss(self.mu2, self.z_random) * self.opt["lambda_z"]
        self.loss_z_L1.backward()
        set_requires_grad([self.netE], True)
        self.optimizer_E.step()
        self.optimizer_G.step()
        set_requires_grad([self.netD, self.netD2], True)  # update_D
        self.optimizer_D.zero_grad()
        self.loss_D = self.backward_D(self.netD, self.real_B_encoded, self.fake_B_encoded)
        self.optimizer_D.step()
        self.optimizer_D2.zero_grad()
        self.loss_D2 = self.backward_D(self.netD2, self.real_B_random, self.fake_B_random)
        self.optimizer_D2.step()
        return {n: float(getattr(self, f"loss_{n}").detach())
                for n in ("G_GAN", "G_GAN2", "G_L1", "kl", "z_L1", "G", "D", "D2")}


@pytest.mark.numerics
def test_bicyclegan_equals_the_authors_cvae_gan_and_clr_gan_terms(float64):
    """Two steps of i2i's BicycleGAN and of the authors' code on copies of the same nets,
    the same batches and the same draws of eps and z: the same losses, the same gradients
    of G, E, D and D2; and i2i's kl_gaussian and latent_l1 terms give the authors' loss_kl
    and loss_z_L1 (value and gradient) on the authors' mu, logvar, mu2 and z_random."""
    cfg = config("bicyclegan", "builtin:toy_paired", *BICYCLE)
    torch.manual_seed(0)
    method = BicycleGAN(cfg, CPU)
    totals = record_totals(method)
    nets = {k: copy.deepcopy(v) for k, v in method.nets.items()}
    reference = ReferenceBicycleGAN(nets, {
        "batch_size": 2, "nz": 8, "lr": 2e-4, "beta1": 0.5, "lambda_GAN": 1.0,
        "lambda_GAN2": 1.0, "lambda_L1": 10.0, "lambda_z": 0.5, "lambda_kl": 0.01})
    terms = {t.key: t for t in method.terms}
    assert (cfg.loss.gan, cfg.loss.lambda_recon, cfg.encoder.latent_size) == ("lsgan", 10, 8)
    for step in range(2):
        a, b = images(2, 10 + step), images(2, 20 + step)
        torch.manual_seed(100 + step)
        logs = method.training_step({"A": a, "B": b})
        torch.manual_seed(100 + step)
        theirs = reference.optimize_parameters(a, b)
        for name in ("G_GAN", "G_GAN2", "G_L1", "D", "D2"):
            assert logs[name] == pytest.approx(theirs[name], rel=TOL["rtol"]), name
        assert totals[2 * step][0] == "G" and totals[2 * step + 1][0] == "D"
        assert totals[2 * step][1] == pytest.approx(theirs["G"] + theirs["z_L1"], rel=1e-10)
        assert totals[2 * step + 1][1] == pytest.approx(theirs["D"] + theirs["D2"], rel=1e-10)
        assert_same_gradients(method.nets, nets, ("G", "E", "D", "D2"))

        mu, logvar = (t.detach().requires_grad_() for t in (reference.mu, reference.logvar))
        kl = terms["kl_gaussian"]
        theirs_kl = torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) * (-0.5 * 0.01)
        assert_value_and_gradient(kl.weight * kl.term(TermInputs(mu=mu, logvar=logvar)),
                                  theirs_kl, (mu, logvar))
        mu2 = reference.mu2.detach().requires_grad_()
        z = terms["latent_l1"]
        assert_value_and_gradient(
            z.weight * z.term(TermInputs(latent=mu2, latent_target=reference.z_random)),
            torch.mean(torch.abs(mu2 - reference.z_random)) * 0.5, (mu2,))


# ---------------------------------------------------------------- UNIT

UNIT_TINY = ["generator.params.ngf=4", "generator.params.n_blocks=2",
             "discriminator.params.ndf=4", "discriminator.params.n_layers=1",
             "data.batch_size=2"]


class ReferenceUNIT:
    """mingyuliutw/UNIT, trainer.py UNIT_Trainer (commit 28d5982): dis_update then
    gen_update, with the weights of configs/unit_*_folder.yaml (gan_w 1, recon_x_w 10,
    recon_kl_w 0.01, recon_x_cyc_w 10, recon_kl_cyc_w 0.01, lsgan) on i2i's networks:
    ``gen_a.encode`` is E_shared(E_A(x)) plus the next noise, ``gen_a.decode(h)`` is
    G_A(G_shared(h)), one discriminator scale (MsImageDis's sum over scales has one
    term). Adam without the authors' weight_decay 1e-4, which i2i does not offer."""

    def __init__(self, nets: dict, hp: dict):
        self.nets, self.hp = nets, hp
        gen = [p for k in ("E_A", "E_B", "E_shared", "G_shared", "G_A", "G_B")
               for p in nets[k].parameters()]
        dis = [p for k in ("D_A", "D_B") for p in nets[k].parameters()]
        self.gen_opt = torch.optim.Adam(gen, lr=hp["lr"], betas=(0.5, 0.999))
        self.dis_opt = torch.optim.Adam(dis, lr=hp["lr"], betas=(0.5, 0.999))

    def encode(self, domain, x, noise):
        n = self.nets
        return n["E_shared"](n[f"E_{domain}"](x)), noise

    def decode(self, domain, h):
        return self.nets[f"G_{domain}"](self.nets["G_shared"](h))

    @staticmethod
    def recon_criterion(input, target):
        return torch.mean(torch.abs(input - target))

    @staticmethod
    def compute_kl(mu):  # __compute_kl
        return torch.mean(torch.pow(mu, 2))

    def calc_dis_loss(self, dis, input_fake, input_real):
        out0, out1 = self.nets[dis](input_fake), self.nets[dis](input_real)
        return torch.mean((out0 - 0) ** 2) + torch.mean((out1 - 1) ** 2)

    def calc_gen_loss(self, dis, input_fake):
        return torch.mean((self.nets[dis](input_fake) - 1) ** 2)

    def dis_update(self, x_a, x_b, noise):
        hp = self.hp
        self.dis_opt.zero_grad()
        h_a, n_a = self.encode("A", x_a, noise["a"])
        h_b, n_b = self.encode("B", x_b, noise["b"])
        x_ba, x_ab = self.decode("A", h_b + n_b), self.decode("B", h_a + n_a)
        self.loss_dis_a = self.calc_dis_loss("D_A", x_ba.detach(), x_a)
        self.loss_dis_b = self.calc_dis_loss("D_B", x_ab.detach(), x_b)
        self.loss_dis_total = hp["gan_w"] * self.loss_dis_a + hp["gan_w"] * self.loss_dis_b
        self.loss_dis_total.backward()
        self.dis_opt.step()

    def gen_update(self, x_a, x_b, noise):
        hp = self.hp
        self.gen_opt.zero_grad()
        h_a, n_a = self.encode("A", x_a, noise["a"])
        h_b, n_b = self.encode("B", x_b, noise["b"])
        x_a_recon, x_b_recon = self.decode("A", h_a + n_a), self.decode("B", h_b + n_b)
        x_ba, x_ab = self.decode("A", h_b + n_b), self.decode("B", h_a + n_a)
        h_b_recon, n_b_recon = self.encode("A", x_ba, noise["bab"])
        h_a_recon, n_a_recon = self.encode("B", x_ab, noise["aba"])
        self.x_aba = self.decode("A", h_a_recon + n_a_recon)
        self.x_bab = self.decode("B", h_b_recon + n_b_recon)
        self.h_a, self.h_a_recon = h_a, h_a_recon
        loss = {"recon_x_a": self.recon_criterion(x_a_recon, x_a),
                "recon_x_b": self.recon_criterion(x_b_recon, x_b),
                "recon_kl_a": self.compute_kl(h_a), "recon_kl_b": self.compute_kl(h_b),
                "cyc_x_a": self.recon_criterion(self.x_aba, x_a),
                "cyc_x_b": self.recon_criterion(self.x_bab, x_b),
                "recon_kl_cyc_aba": self.compute_kl(h_a_recon),
                "recon_kl_cyc_bab": self.compute_kl(h_b_recon),
                "adv_a": self.calc_gen_loss("D_A", x_ba),
                "adv_b": self.calc_gen_loss("D_B", x_ab)}
        weight = {"recon_x": hp["recon_x_w"], "recon_kl": hp["recon_kl_w"],
                  "cyc_x": hp["recon_x_cyc_w"], "recon_kl_cyc": hp["recon_kl_cyc_w"],
                  "adv": hp["gan_w"]}
        self.loss_gen_total = sum(weight[k.rsplit("_", 1)[0]] * v for k, v in loss.items())
        self.loss_gen_total.backward()
        self.gen_opt.step()
        return loss


@pytest.mark.numerics
def test_unit_equals_the_authors_kl_cycle_and_gan_terms(float64, monkeypatch):
    """One step of i2i's UNIT and of the authors' trainer on copies of the same nets and
    the same noise: the same D and generator losses and gradients; and i2i's kl, kl_cycle
    and cycle terms at their weights give the authors' weighted __compute_kl and cycle
    reconstruction (value and gradient) on the authors' codes and images."""
    cfg = config("unit", "builtin:toy", *UNIT_TINY)
    torch.manual_seed(0)
    method = UNIT(cfg, CPU)
    totals = record_totals(method)
    nets = {k: copy.deepcopy(v) for k, v in method.nets.items()}
    hp = {"gan_w": 1.0, "recon_x_w": 10.0, "recon_kl_w": 0.01, "recon_x_cyc_w": 10.0,
          "recon_kl_cyc_w": 0.01, "lr": 1e-4}
    assert (cfg.loss.gan, cfg.loss.lambda_recon, cfg.loss.lambda_A, cfg.loss.lambda_B,
            cfg.optim.lr) == ("lsgan", 10, 10, 10, 1e-4)
    reference = ReferenceUNIT(nets, hp)
    x_a, x_b = images(2, 1), images(2, 2)
    with torch.no_grad():
        shape = method.encode(x_a, "A").shape
    gen = torch.Generator().manual_seed(3)
    noise = {k: torch.randn(shape, generator=gen) for k in ("a", "b", "aba", "bab")}
    # i2i draws the codes' noise (a, b), then the cycle's (aba: of fake B's code, then bab)
    queue = [noise[k] for k in ("a", "b", "aba", "bab")]
    monkeypatch.setattr(torch, "randn_like", lambda like: queue.pop(0))
    logs = method.training_step({"A": x_a, "B": x_b})
    monkeypatch.undo()
    assert not queue

    reference.dis_update(x_a, x_b, noise)
    assert logs["D_A"] == pytest.approx(reference.loss_dis_a.item(), rel=TOL["rtol"])
    assert logs["D_B"] == pytest.approx(reference.loss_dis_b.item(), rel=TOL["rtol"])
    assert totals[0][0] == "D"
    assert_same_gradients(method.nets, nets, ("D_A", "D_B"))
    theirs = reference.gen_update(x_a, x_b, noise)
    assert totals[1] == ("G", pytest.approx(reference.loss_gen_total.item(), rel=1e-10))
    pairs = {"recon_A": 10 * theirs["recon_x_a"], "recon_B": 10 * theirs["recon_x_b"],
             "kl_A": 0.01 * theirs["recon_kl_a"], "kl_B": 0.01 * theirs["recon_kl_b"],
             "cycle_A": 10 * theirs["cyc_x_a"], "cycle_B": 10 * theirs["cyc_x_b"],
             "kl_cycle_A": 0.01 * theirs["recon_kl_cyc_aba"],
             "kl_cycle_B": 0.01 * theirs["recon_kl_cyc_bab"],
             "G_A": theirs["adv_a"], "G_B": theirs["adv_b"]}
    for name, value in pairs.items():
        assert logs[name] == pytest.approx(value.item(), rel=TOL["rtol"]), name
    assert_same_gradients(method.nets, nets, ("E_A", "E_B", "E_shared", "G_shared", "G_A",
                                              "G_B"))

    own = method.own
    for key, mu in (("kl", reference.h_a), ("kl_cycle", reference.h_a_recon)):
        mu = mu.detach().requires_grad_()
        weight = hp["recon_kl_w" if key == "kl" else "recon_kl_cyc_w"]
        assert_value_and_gradient(own[key].weight * own[key].term(TermInputs(mu=mu)),
                                  weight * torch.mean(torch.pow(mu, 2)), (mu,))
    x_aba = reference.x_aba.detach().requires_grad_()
    assert_value_and_gradient(
        cfg.loss.lambda_A * own["cycle"].weight * own["cycle"].term(
            TermInputs(result=x_aba, target=x_a)),
        hp["recon_x_cyc_w"] * torch.mean(torch.abs(x_aba - x_a)), (x_aba,))


# ---------------------------------------------------------------- DTN


def test_dtn_adversarial_and_tid_terms_are_the_papers_equations(float64):
    """Taigman et al. 2017, "Unsupervised Cross-Domain Image Generation" (no official
    code): D_1..D_3 are the softmax of D's three logits (per patch here), L_D (eq. 3) =
    -E_x log D_1(G(x)) - E_t log D_2(G(t)) - E_t log D_3(t), L_GANG (eq. 4) =
    -E_x log D_3(G(x)) - E_t log D_3(G(t)), and L_TID (eq. 6) = E_t d2(t, G(t)) with d2
    the MSE, at beta 15 (the digits experiment; the reimplementation
    yunjey/domain-transfer-network, model.py, likewise reduce_mean(square(t - G(t))) * 15).
    The paper writes sums over samples; i2i and that reimplementation take means."""
    cfg = config("dtn", "builtin:toy", "generator.params.ngf=4", "generator.params.n_blocks=1",
                 "discriminator.params.ndf=4", "loss.terms.f_constancy.weight=0")
    torch.manual_seed(0)
    method = DTN(cfg, CPU)
    d = method.nets["D"]
    x_fake, t_fake, t = images(2, 1, True), images(2, 2, True), images(2, 3, True)

    def log_d(images, cls):  # log D_cls, averaged over samples and patches
        return F.log_softmax(d(images), dim=1)[:, cls].mean()

    mine_d = sum(method._class_loss(img, cls) for img, cls in
                 ((x_fake, SOURCE_FAKE), (t_fake, TARGET_FAKE), (t, REAL)))
    theirs_d = -log_d(x_fake, 0) - log_d(t_fake, 1) - log_d(t, 2)
    assert_value_and_gradient(mine_d, theirs_d, (x_fake, t_fake, t, *d.parameters()))
    mine_g = (method._class_loss(x_fake, REAL, kind=SOURCE_FAKE)
              + method._class_loss(t_fake, REAL, kind=TARGET_FAKE))
    theirs_g = -log_d(x_fake, 2) - log_d(t_fake, 2)
    assert_value_and_gradient(mine_g, theirs_g, (x_fake, t_fake, *d.parameters()))

    tid = method.own["identity"]
    assert (cfg.loss.identity, cfg.loss.recon) == (15.0, "l2")
    assert_value_and_gradient(tid.weight * tid.term(TermInputs(result=t_fake, target=t)),
                              15.0 * torch.mean(torch.square(t - t_fake)), (t_fake, t))


def test_dtn_f_constancy_is_the_papers_equation(shared_weights, monkeypatch):
    """Eq. 5 of Taigman et al. 2017: L_CONST = E_x d(f(x), f(G(x))), d the MSE, alpha 15
    (yunjey/domain-transfer-network, model.py: reduce_mean(square(f(x) - f(G(x)))) * 15),
    f fixed. i2i's f is its preset's (frozen VGG16 relu5_3, the paper's f networks being
    unavailable), which computes in float32; hence the tolerance of 1e-6."""
    monkeypatch.setenv("I2I_WEIGHTS_DIR", str(shared_weights))
    cfg = config("dtn", "builtin:toy")
    (const,) = build_terms({"f_constancy": cfg.loss.terms["f_constancy"]},
                           TermContext(cfg, CPU), ("source", "result"))
    assert const.weight == 15.0

    def f(images):
        return const.term.vgg.of_tanh_images(images, ["conv5_3"])["conv5_3"]

    x, gx = images(2, 1, True), images(2, 2, True)
    theirs = 15.0 * torch.mean(torch.square(f(x).detach() - f(gx)))
    assert_value_and_gradient(const.weight * const.term(TermInputs(source=x, result=gx)),
                              theirs, (x, gx), tol={"rtol": 1e-6, "atol": 1e-9})
