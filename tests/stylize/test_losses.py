"""Gram matrix, style/content/TV losses and the blending of several styles."""

from __future__ import annotations

import numpy as np
import torch

from i2i.stylize.losses import content_loss, gram_matrix, style_loss, tv_loss


def test_gram_matrix_matches_a_direct_computation():
    features = torch.arange(2 * 3 * 2 * 2, dtype=torch.float64).reshape(2, 3, 2, 2) / 7 - 1
    gram = gram_matrix(features)
    arr = features.numpy()
    for n in range(2):
        for i in range(3):
            for j in range(3):
                direct = sum(
                    arr[n, i, y, x] * arr[n, j, y, x] for y in range(2) for x in range(2)
                ) / (3 * 2 * 2)
                assert np.isclose(gram[n, i, j].item(), direct)


def test_gram_matrix_of_a_known_map():
    # two channels: all ones, and alternating +1/-1 -> orthogonal, each with norm^2 = 4
    features = torch.tensor([[[[1.0, 1.0], [1.0, 1.0]], [[1.0, -1.0], [-1.0, 1.0]]]])
    expected = torch.tensor([[[4.0, 0.0], [0.0, 4.0]]]) / (2 * 2 * 2)
    assert torch.allclose(gram_matrix(features), expected)


def test_style_loss_weights_each_layer():
    a = {"l1": torch.ones(1, 2, 3, 3), "l2": torch.ones(1, 2, 3, 3)}
    targets = {"l1": gram_matrix(a["l1"]), "l2": gram_matrix(a["l2"]) * 0}
    only_l1 = style_loss(a, targets, {"l1": 1.0, "l2": 0.0})
    only_l2 = style_loss(a, targets, {"l1": 0.0, "l2": 1.0})
    assert only_l1.item() == 0.0
    assert only_l2.item() > 0.0
    assert torch.isclose(style_loss(a, targets, {"l1": 0.0, "l2": 0.5}), only_l2 / 2)


def test_content_loss_is_zero_only_for_equal_features():
    x = torch.randn(1, 4, 5, 5, generator=torch.Generator().manual_seed(0))
    assert content_loss(x, x).item() == 0.0
    assert content_loss(x, x + 0.1).item() > 0.0


def test_tv_loss_is_zero_for_a_flat_image_and_grows_with_noise():
    flat = torch.full((1, 3, 8, 8), 0.5)
    noisy = flat + 0.1 * torch.randn(1, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    assert tv_loss(flat).item() == 0.0
    assert tv_loss(noisy).item() > 0.0


def test_blended_targets_give_the_same_gradient_as_a_weighted_sum_of_style_losses():
    from i2i.stylize.transfer import style_targets

    class Identity(torch.nn.Module):
        def forward(self, image, layers):
            return {layer: image for layer in layers}

    gen = torch.Generator().manual_seed(1)
    styles = [torch.rand(1, 3, 6, 6, generator=gen) for _ in range(2)]
    weights = [0.7, 0.3]
    blended = style_targets(Identity(), styles, weights, ["x"])
    image = torch.rand(1, 3, 6, 6, generator=gen, requires_grad=True)
    style_loss({"x": image}, blended, {"x": 1.0}).backward()
    grad_blended = image.grad.clone()
    image.grad = None
    separate = sum(
        w * style_loss({"x": image}, {"x": gram_matrix(s)}, {"x": 1.0})
        for s, w in zip(styles, weights, strict=True)
    )
    separate.backward()
    assert torch.allclose(grad_blended, image.grad, atol=1e-6)
