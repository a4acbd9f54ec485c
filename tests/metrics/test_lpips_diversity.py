"""lpips-diversity: LPIPS between samples of one input (NAME_k files), without a real set.

The distance is i2i's LPIPS; where the real VGG16 weights are absent the network is swapped
for one with random weights (the same one the reference check uses), so the plumbing is
tested everywhere and the numbers against the ``lpips`` package too.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

from i2i.cli.main import app
from i2i.metrics.lpips_diversity import group_samples

runner = CliRunner()
WEIGHTS = Path(__file__).resolve().parents[3] / "shared" / "weights"


def run(*args):
    result = runner.invoke(app, ["evaluate", *args])
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def vgg_state():
    """Real VGG16 features where ../shared has them, else seeded random ones."""
    if (WEIGHTS / "vgg16-features.pth").is_file():
        from i2i.metrics.networks import vgg16_features_state

        return vgg16_features_state(WEIGHTS)
    from torchvision.models import vgg16

    torch.manual_seed(0)
    return vgg16(weights=None).features.state_dict()


@pytest.fixture
def lpips_net(vgg_state, monkeypatch):
    """i2i's LPIPS on ``vgg_state``, as the metric loads it (no weights lookup)."""
    import i2i.metrics.lpips_diversity as diversity
    from i2i.metrics.lpips import LPIPS, load_heads

    net = LPIPS(vgg_state, load_heads()).eval()
    monkeypatch.setattr(diversity, "load_lpips", lambda weights_dir, device: net)
    return net


def noise(seed: int, size=(32, 32)) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)


def save(folder, name, arr):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(arr).save(path)
    return path


def test_samples_group_by_their_name_before_the_trailing_number(tmp_path):
    names = ["shoe_0.png", "shoe_1.png", "shoe_10.png", "shoe_2.jpg", "a_0_1.png", "a_0_0.png",
             "sub/shoe_0.png", "sub/shoe_1.png", "plain.png", "x_y.png"]
    files = [tmp_path / n for n in names]
    groups, loose = group_samples(tmp_path, files)
    assert {k: [p.name for p in v] for k, v in groups.items()} == {
        "a_0": ["a_0_0.png", "a_0_1.png"],
        "shoe": ["shoe_0.png", "shoe_1.png", "shoe_2.jpg", "shoe_10.png"],
        "sub/shoe": ["shoe_0.png", "shoe_1.png"],
    }
    assert sorted(p.name for p in loose) == ["plain.png", "x_y.png"]


def test_identical_samples_score_zero_and_different_ones_more(tmp_path, lpips_net):
    same, diff = tmp_path / "same", tmp_path / "diff"
    for k in range(3):
        save(same, f"in_{k}.png", noise(0))
        save(diff, f"in_{k}.png", noise(k))
    code, output = run("-m", "lpips-diversity", "--fake", str(same), "--fake", str(diff),
                       "--json", str(tmp_path / "d.json"))
    assert code == 0, output
    rows = {r["name"]: r for r in json.loads((tmp_path / "d.json").read_text())["rows"]}
    assert rows["same"]["lpips_diversity"] == pytest.approx(0.0, abs=1e-7)
    assert rows["diff"]["lpips_diversity"] > 0.01
    assert rows["diff"]["n_inputs"] == 1 and rows["diff"]["n_sample_pairs"] == 3
    assert "real" not in rows["diff"]


def test_the_score_is_the_mean_over_all_pairs_of_every_input(tmp_path, lpips_net):
    """Two inputs with 3 and 2 samples: the mean of their 3 + 1 pair distances."""
    from i2i.metrics.lpips import to_unit_range

    groups = {"a": [noise(1), noise(2), noise(3)], "b": [noise(4), noise(5)]}
    for name, arrays in groups.items():
        for k, arr in enumerate(arrays):
            save(tmp_path / "f", f"{name}_{k}.png", arr)
    code, output = run("-m", "lpips-diversity", "--fake", str(tmp_path / "f"), "--json", "-")
    assert code == 0, output
    row = json.loads(output[output.index("{"):])["rows"][0]
    with torch.no_grad():
        expected = [float(lpips_net(to_unit_range(x), to_unit_range(y))[0])
                    for arrays in groups.values()
                    for x, y in itertools.combinations(arrays, 2)]
    assert row["lpips_diversity"] == pytest.approx(np.mean(expected), rel=1e-5)
    assert row["lpips_diversity_std"] == pytest.approx(np.std(expected), rel=1e-4)


def test_the_score_equals_the_lpips_package_on_the_same_weights(tmp_path, lpips_net,
                                                               vgg_state):
    ref_lpips = pytest.importorskip("lpips")
    ref = ref_lpips.LPIPS(net="vgg", pnet_rand=True, verbose=False).eval()
    bounds = [(0, 4), (4, 9), (9, 16), (16, 23), (23, 30)]
    mapped = {}
    for key, value in vgg_state.items():
        idx = int(key.split(".")[0])
        s = next(i for i, (a, b) in enumerate(bounds) if a <= idx < b) + 1
        mapped[f"slice{s}.{key}"] = value
    ref.net.load_state_dict(mapped, strict=True)
    arrays = [noise(10 + k, size=(48, 40)) for k in range(3)]
    for k, arr in enumerate(arrays):
        save(tmp_path / "f", f"img_{k}.png", arr)
    code, output = run("-m", "lpips-diversity", "--fake", str(tmp_path / "f"), "--json", "-")
    assert code == 0, output
    ours = json.loads(output[output.index("{"):])["rows"][0]["lpips_diversity"]
    with torch.no_grad():
        scaled = [torch.from_numpy(a).permute(2, 0, 1)[None].float() / 127.5 - 1 for a in arrays]
        expected = np.mean([float(ref(x, y)) for x, y in itertools.combinations(scaled, 2)])
    assert expected > 0 and ours == pytest.approx(expected, rel=1e-5)


def test_no_input_with_two_samples_is_one_line(tmp_path, lpips_net):
    save(tmp_path / "f", "a.png", noise(0))
    save(tmp_path / "f", "b_0.png", noise(1))
    code, output = run("-m", "lpips-diversity", "--fake", str(tmp_path / "f"))
    assert code == 3
    assert "no input in" in output and "NAME_0, NAME_1" in output
    assert len(output.strip().splitlines()) == 1, output


def test_metrics_that_compare_with_real_images_still_need_real(tmp_path):
    save(tmp_path / "f", "a_0.png", noise(0))
    code, output = run("-m", "lpips-diversity,psnr", "--fake", str(tmp_path / "f"))
    assert code == 2
    assert "--metric psnr compares with real images; give --real DIR" in output
    code, output = run("-m", "lpips-diversity")
    assert code == 2 and "give at least one --fake DIR" in output


def test_unreadable_samples_are_listed_and_the_rest_scored(tmp_path, lpips_net):
    for k in range(3):
        save(tmp_path / "f", f"a_{k}.png", noise(k))
    (tmp_path / "f" / "a_3.png").write_bytes(b"not a png")
    save(tmp_path / "f", "lonely.png", noise(7))
    code, output = run("-m", "lpips-diversity", "--fake", str(tmp_path / "f"),
                       "--json", str(tmp_path / "d.json"))
    assert code == 8, output
    assert "a_3.png" in output and "1 unreadable image(s) skipped" in output
    assert "1 file(s)" in output and "left out" in output  # lonely.png, named once
    doc = json.loads((tmp_path / "d.json").read_text())
    assert doc["rows"][0]["n_sample_pairs"] == 3 and doc["rows"][0]["lpips_diversity"] > 0
