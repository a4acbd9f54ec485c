"""The ``features`` loss term: VGG16 feature distance between source and result, with real
VGG16 weights (../shared/weights), frozen and kept out of checkpoints."""

from __future__ import annotations

import pytest
import torch

from i2i.config import build_config
from i2i.errors import ConfigError, WeightsError
from i2i.losses.feature_terms import FeatureDistance
from i2i.losses.terms import TermContext, TermInputs, build_terms

CPU = torch.device("cpu")


@pytest.fixture
def vgg_weights(shared_weights, monkeypatch):
    monkeypatch.setenv("I2I_WEIGHTS_DIR", str(shared_weights))


def make_term(size: int = 32, **params) -> FeatureDistance:
    cfg = build_config([{"data": {"crop_size": size}}])
    spec = {"f": {"name": "features", "weight": 1.0, "params": params}}
    (built,) = build_terms(spec, TermContext(cfg, CPU), ("source", "result"))
    return built.term


def images(seed: int, n: int = 2, channels: int = 3) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, channels, 32, 32, generator=g) * 2 - 1


@pytest.mark.parametrize("distance", ["l1", "l2"])
def test_features_term_is_zero_for_identical_images_and_positive_otherwise(vgg_weights,
                                                                          distance):
    term = make_term(layers=["conv2_2", "conv4_2"], distance=distance)
    x, y = images(0), images(1)
    assert term(TermInputs(source=x, result=x.clone())).item() == 0.0
    assert term(TermInputs(source=x, result=y)).item() > 0.0


def test_features_term_gradient_reaches_the_result_only(vgg_weights):
    term = make_term()
    source = images(0).requires_grad_(True)
    result = images(1).requires_grad_(True)
    term(TermInputs(source=source, result=result)).backward()
    assert source.grad is None  # the source is a constant of this loss
    assert result.grad is not None and result.grad.abs().sum() > 0
    assert all(p.grad is None and not p.requires_grad for p in term.vgg.parameters())
    assert not list(term.parameters())  # nothing trainable, nothing in a checkpoint
    assert not term.state_dict()


def test_features_term_takes_grey_images(vgg_weights):
    term = make_term()
    grey = images(0, channels=1)
    assert term(TermInputs(source=grey, result=-grey)).item() > 0


def test_features_term_default_is_the_cyclegan_papers_relu4_2_l1(vgg_weights):
    term = make_term()
    assert term.layers == ["conv4_2"] and term.distance_name == "l1"
    assert len(term.vgg.layers) == 21  # cut after relu4_2: later layers cost nothing


@pytest.mark.parametrize(("params", "size", "message"), [
    ({"layers": ["conv9_9"]}, 32, "f.params.layers: unknown layer 'conv9_9' for vgg16"),
    ({"layers": []}, 32, "'loss.terms.f.params.layers' is empty"),
    ({"distance": "cos"}, 32, "'loss.terms.f.params.distance' is 'cos'; choose one of: l1"),
    ({"layers": ["pool5"]}, 16, "vgg16 pool5 needs images of at least 32 px, but --size is 16"),
    ({"network": "resnet"}, 32, "'loss.terms.f.params.network' is 'resnet'; choose one of"),
])
def test_features_term_bad_settings_are_one_line_errors(vgg_weights, params, size, message):
    with pytest.raises(ConfigError, match=message) as err:
        make_term(size, **params)
    assert "\n" not in str(err.value)


def test_features_term_refuses_images_vgg_cannot_take(vgg_weights):
    cfg = build_config([{"data": {"crop_size": 32, "input_nc": 4}}])
    spec = {"f": {"name": "features", "weight": 1.0}}
    with pytest.raises(ConfigError, match="data.input_nc is 4"):
        build_terms(spec, TermContext(cfg, CPU), ("source", "result"))


def test_features_term_without_vgg16_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("I2I_WEIGHTS_DIR", str(tmp_path))  # empty; the cache is empty too
    with pytest.raises(WeightsError, match="i2i download --weights vgg16") as err:
        make_term()
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(("name", "needs"), [("features", ("source", "result")),
                                            ("style", ("result", "reference"))])
def test_vgg_terms_compute_in_fp32_under_bf16_autocast(vgg_weights, name, needs):
    """Gram matrices and feature distances are differences of small numbers: under a bf16
    autocast (the --precision bf16 training pass) they must still be the fp32 values."""
    cfg = build_config([{"data": {"crop_size": 32}}])
    spec = {"t": {"name": name, "weight": 1.0,
                  "params": {"network": "vgg16"} if name == "style" else {}}}
    (built,) = build_terms(spec, TermContext(cfg, CPU), needs)
    inputs = TermInputs(source=images(0), result=images(1), reference=images(2))
    exact = built.term(inputs).item()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        mixed = built.term(inputs)
    assert mixed.dtype == torch.float32 and mixed.item() == pytest.approx(exact, rel=1e-6)
