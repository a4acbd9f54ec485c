"""What `i2i translate` writes is the trained generator's output for the asked direction.

Guards against: the generator never applied (the input written back), ``--direction BtoA``
silently using G_A, and outputs not equal to the network's own result for that image.
The expected pixels are computed here from the run's checkpoint with plain torch.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from i2i.runs import load_for_inference


def expected_output(run, image: np.ndarray, generator_key: str) -> np.ndarray:
    method, _, _ = load_for_inference(run, None, torch.device("cpu"))
    x = torch.from_numpy(image).permute(2, 0, 1)[None].float() / 127.5 - 1.0
    with torch.no_grad():
        y = method.nets[generator_key](x)[0]
    return ((y.clamp(-1, 1) + 1) * 127.5).round().permute(1, 2, 0).numpy().astype(int)


@pytest.fixture
def photo(tmp_path):
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
    (tmp_path / "in").mkdir()
    Image.fromarray(image).save(tmp_path / "in" / "x.png")
    return image


@pytest.mark.parametrize("direction,key", [("AtoB", "G_A"), ("BtoA", "G_B")])
def test_output_is_the_generator_of_the_direction(tiny_run, tmp_path, cli, photo, direction,
                                                  key):
    out = tmp_path / direction
    result = cli("translate", str(tiny_run), str(tmp_path / "in"), "--out", str(out),
                 "--direction", direction, "--quiet")
    assert result.exit_code == 0, result.output
    written = np.asarray(Image.open(out / "x.png").convert("RGB"), dtype=int)
    assert np.abs(written - expected_output(tiny_run, photo, key)).max() <= 1
    other = "G_B" if key == "G_A" else "G_A"
    assert np.abs(written - expected_output(tiny_run, photo, other)).mean() > 2
    assert np.abs(written - photo.astype(int)).mean() > 2  # not the input written back
