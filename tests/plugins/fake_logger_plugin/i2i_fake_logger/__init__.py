"""Third-party loggers, as a plugin author writes them: import only from ``i2i``.

``steps_file`` appends each step's losses to ``RUN/steps.jsonl``; ``breaks_at_step_2``
raises in ``on_step`` at step 2; ``needs_login`` refuses to start in its ``check``.
"""

import json

from i2i import Callback, I2IError, hookimpl


class StepsFile(Callback):
    def __init__(self, cfg):
        self.name = cfg.name

    def on_start(self, ctx):
        self.path = ctx.run_dir / "steps.jsonl"

    def on_step(self, ctx, losses):
        with self.path.open("a") as fh:
            fh.write(json.dumps({"step": ctx.counters.global_step, **losses}) + "\n")

    def on_end(self, ctx):
        with self.path.open("a") as fh:
            fh.write(json.dumps({"end": ctx.counters.global_step, "run": self.name}) + "\n")


class BreaksAtStep2(Callback):
    def on_step(self, ctx, losses):
        if ctx.counters.global_step >= 2:
            raise RuntimeError(f"tracker [server] down at step {ctx.counters.global_step}")


class NeedsLogin(Callback):
    def check(self, ctx):
        raise I2IError("needs_login has no account: run `fake-tracker login` first")


@hookimpl
def register_callbacks():
    return {"steps_file": StepsFile, "breaks_at_step_2": lambda cfg: BreaksAtStep2(),
            "needs_login": lambda cfg: NeedsLogin()}
