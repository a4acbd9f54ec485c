"""Turn a registered discriminator into a k-way classifier: its final 1-channel convolution
(one real/fake logit per patch) becomes a k-channel one (k class logits per patch), with
the same kernel, stride and padding, so the body, receptive field and output size stay
those of the registered network.

DTN's discriminator (Taigman et al. 2017) is such a 3-way classifier. Any discriminator
whose last convolution outputs one channel can be widened (the PatchGAN family all can);
for another kind, the error names what is missing. The new layer gets PyTorch's default
init: the method re-initialises the whole net as it does every network.
"""

from __future__ import annotations

from torch import nn

from i2i.errors import ConfigError


def with_class_logits(net: nn.Module, n_classes: int, name: str) -> nn.Module:
    """``net`` (changed in place) with ``n_classes`` logits per output position."""
    found = [(parent, key, child) for parent in net.modules()
             for key, child in parent.named_children() if isinstance(child, nn.Conv2d)]
    if not found or found[-1][2].out_channels != 1:
        raise ConfigError(f"discriminator '{name}' does not end in a 1-channel convolution, "
                          f"so it cannot be made a {n_classes}-way classifier; use patchgan")
    parent, key, last = found[-1]
    head = nn.Conv2d(last.in_channels, n_classes, last.kernel_size, last.stride,
                     last.padding, bias=last.bias is not None)
    setattr(parent, key, head)  # same slot: a Sequential keeps its order
    return net
