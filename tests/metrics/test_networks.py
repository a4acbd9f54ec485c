"""The metric networks are registered, resolved and checked like any pretrained network."""

from __future__ import annotations

import torch

from i2i.metrics import networks
from i2i.weights import get_entry


def test_metric_networks_are_registered_with_both_file_forms(fresh_plugins):
    inception = get_entry("inception-fid")
    assert [f.filename for f in inception.files] == [
        "pt_inception-2015-12-05-6726825d.pth", "inception-2015-12-05-fid.pt"]
    assert inception.files[0].urls
    for entry in (inception, get_entry("vgg16-lpips")):
        assert all(len(f.sha256) == 64 for f in entry.files)  # full digests only
    assert get_entry("vgg16-lpips").files[1].urls[0].startswith("https://download.pytorch.org/")


def test_full_torchvision_vgg16_state_is_cut_to_its_features(tmp_path, monkeypatch):
    full = {"features.0.weight": torch.zeros(1), "features.0.bias": torch.ones(1),
            "classifier.0.weight": torch.zeros(2)}
    torch.save(full, tmp_path / "vgg16-397923af.pth")
    monkeypatch.setattr(networks, "resolve", lambda name, wd: tmp_path / "vgg16-397923af.pth")
    assert set(networks.vgg16_features_state(None)) == {"0.weight", "0.bias"}


def test_shared_torchscript_resolves_from_the_weights_dir(real_weights, fresh_plugins):
    from i2i.weights import resolve

    assert resolve("inception-fid", real_weights).name == "inception-2015-12-05-fid.pt"
