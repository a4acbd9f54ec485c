"""A third-party translation loss term, as a plugin author writes one: import only from
``i2i``. It owns a trainable 1x1 "probe" (so it has an optimiser and checkpointed state)."""

from torch import nn

from i2i import LossTerm, TermContext, TermInputs, hookimpl


class ProbeMatch(LossTerm):
    """Mean |probe(result) - probe(source)|, with a learned 1x1 convolution as the probe."""

    needs = ("source", "result")
    trainable = True

    def __init__(self, ctx: TermContext, width: int = 4):
        super().__init__(ctx)
        self.probe = nn.Conv2d(3, width, 1)

    def loss(self, inputs: TermInputs):
        return (self.probe(inputs.result) - self.probe(inputs.source)).abs().mean()


@hookimpl
def register_terms():
    return {"probe_match": ProbeMatch}
