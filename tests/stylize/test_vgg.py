"""Named layers, cutting the network, loading torchvision checkpoints, weights lookup."""

from __future__ import annotations

import pytest
import torch

from i2i.errors import ConfigError, WeightsError
from i2i.nets.vgg import VGGFeatures, check_layers, layer_names, load_vgg, min_size_for


def test_vgg19_has_a_fourth_conv_per_deep_block_and_vgg16_does_not():
    assert "conv5_4" in layer_names("vgg19")
    assert "conv5_4" not in layer_names("vgg16")
    assert layer_names("vgg16")[:3] == ["conv1_1", "conv1_2", "pool1"]


def test_an_unknown_layer_names_the_valid_ones():
    with pytest.raises(ConfigError) as err:
        check_layers("vgg16", ["conv4_2", "conv9_9"])
    message = str(err.value)
    assert "conv9_9" in message and "conv1_1" in message and "conv5_3" in message
    assert "\n" not in message


def test_minimum_size_follows_the_number_of_pools_before_the_deepest_layer():
    assert min_size_for("vgg19", ["conv1_1"]) == 1
    assert min_size_for("vgg19", ["conv1_1", "conv3_1"]) == 4
    assert min_size_for("vgg19", ["conv4_2", "conv5_1"]) == 16
    assert min_size_for("vgg16", ["pool5"]) == 32


def test_the_network_is_cut_after_the_deepest_layer_asked_for():
    model = VGGFeatures("vgg19", "avg", last_layer="conv3_1")
    assert model.names[-1] == "conv3_1"
    x = torch.rand(1, 3, 32, 32)
    features = model(x, ["conv1_1", "conv3_1"])
    assert features["conv1_1"].shape == (1, 64, 32, 32)
    assert features["conv3_1"].shape == (1, 256, 8, 8)
    assert (features["conv3_1"] >= 0).all()  # a layer name means the rectified response


def test_a_full_torchvision_checkpoint_loads_only_its_features_part():
    import torchvision

    reference = torchvision.models.vgg16()  # random weights; only the layout matters
    state = reference.state_dict()
    assert any(key.startswith("classifier.") for key in state)
    model = VGGFeatures("vgg16", "max")
    model.load_torchvision_state(state)
    assert torch.equal(model.layers[0].weight, reference.features[0].weight)
    assert torch.equal(model.layers[28].bias, reference.features[28].bias)
    x = torch.rand(1, 3, 32, 32)
    assert torch.allclose(model(x, ["pool5"])["pool5"],
                          reference.features((x - model.mean) / model.std), atol=1e-5)


def test_weights_of_another_network_are_refused_in_one_line():
    model = VGGFeatures("vgg19")
    with pytest.raises(WeightsError, match="do not fit vgg19"):
        model.load_torchvision_state(VGGFeatures("vgg16").layers.state_dict())


def test_missing_weights_offline_name_the_file_and_the_command(tmp_path, monkeypatch):
    monkeypatch.setenv("I2I_OFFLINE", "1")
    with pytest.raises(WeightsError) as err:
        load_vgg("vgg19", weights_dir=tmp_path)
    assert "vgg19-dcbb9e9d.pth" in str(err.value)
    assert "i2i download --weights vgg19" in str(err.value)


def test_the_real_vgg16_features_file_loads_and_responds_to_images(vgg16):
    x = torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    features = vgg16(x, ["conv1_1", "conv5_1"])
    assert features["conv5_1"].shape == (1, 512, 2, 2)
    # pretrained conv1_1 filters are edge/colour detectors: a flat image excites them less
    flat = vgg16(torch.full_like(x, 0.5), ["conv1_1"])["conv1_1"]
    assert features["conv1_1"].abs().mean() > flat.abs().mean()
