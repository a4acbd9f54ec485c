"""Colour preservation (Gatys et al., "Preserving Color in Neural Artistic Style Transfer").

Two ways, both on (1, 3, H, W) tensors in [0, 1]:

* ``luminance`` (the default for ``--preserve-color``): style is transferred on the
  luminance channel only (YIQ's Y), after matching the style's luminance mean and spread to
  the content's; the result's Y is then joined with the content's I and Q. The output keeps
  the photo's colours *exactly* and takes only brush strokes and contrast from the painting,
  which is what "keep my colours" usually means. It also cannot leak the painting's hues.
* ``histogram``: the style image's colours are first moved onto the content's colour
  distribution (a linear map matching the mean and covariance of RGB pixels), then the
  usual transfer runs. Colours then follow the photo's palette but are painted with the
  style's colour variations; it is the better choice when the style's colour texture (not
  only its strokes) matters, at the cost of colours shifting a little.
"""

from __future__ import annotations

import torch

# NTSC YIQ; rows give Y, I, Q from R, G, B.
_RGB_TO_YIQ = torch.tensor(
    [[0.299, 0.587, 0.114], [0.595716, -0.274453, -0.321263], [0.211456, -0.522591, 0.311135]]
)


def rgb_to_yiq(image: torch.Tensor) -> torch.Tensor:
    return torch.einsum("ij,njhw->nihw", _RGB_TO_YIQ.to(image), image)


def yiq_to_rgb(image: torch.Tensor) -> torch.Tensor:
    return torch.einsum("ij,njhw->nihw", torch.linalg.inv(_RGB_TO_YIQ).to(image), image)


def luminance(image: torch.Tensor) -> torch.Tensor:
    """The Y channel repeated to 3 channels (what VGG sees in luminance-only transfer)."""
    return rgb_to_yiq(image)[:, :1].repeat(1, 3, 1, 1)


def match_luminance(style: torch.Tensor, content: torch.Tensor) -> torch.Tensor:
    """Style luminance (3 equal channels) shifted and scaled to the content's mean and std."""
    ys, yc = luminance(style), luminance(content)
    matched = (ys - ys.mean()) / ys.std().clamp_min(1e-6) * yc.std() + yc.mean()
    return matched.clamp(0, 1)


def join_luminance(result: torch.Tensor, content: torch.Tensor) -> torch.Tensor:
    """RGB image with the result's luminance and the content's chrominance (I, Q)."""
    yiq = rgb_to_yiq(content)
    yiq = torch.cat([rgb_to_yiq(result)[:, :1], yiq[:, 1:]], dim=1)
    return yiq_to_rgb(yiq).clamp(0, 1)


def _sqrtm(cov: torch.Tensor, inverse: bool = False) -> torch.Tensor:
    values, vectors = torch.linalg.eigh(cov)
    values = values.clamp_min(1e-8)
    power = -0.5 if inverse else 0.5
    return vectors @ torch.diag(values**power) @ vectors.T


def match_histogram(style: torch.Tensor, content: torch.Tensor) -> torch.Tensor:
    """Style image recoloured so its RGB mean and covariance equal the content's."""
    def stats(img: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        pixels = img[0].reshape(3, -1).double()
        mean = pixels.mean(dim=1, keepdim=True)
        centred = pixels - mean
        cov = centred @ centred.T / pixels.shape[1] + 1e-5 * torch.eye(3, dtype=torch.float64)
        return mean, cov

    mean_s, cov_s = stats(style)
    mean_c, cov_c = stats(content)
    transform = _sqrtm(cov_c) @ _sqrtm(cov_s, inverse=True)
    pixels = style[0].reshape(3, -1).double()
    mapped = transform @ (pixels - mean_s) + mean_c
    return mapped.reshape_as(style[0]).unsqueeze(0).to(style.dtype).clamp(0, 1)
