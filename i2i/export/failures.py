"""An exporter's failure (pages of text, a chain of exceptions) as the one line a user needs:
which op could not be exported. To recognise one more kind of message, add its pattern to
``_OP_PATTERNS`` (the first group is the op's name)."""

from __future__ import annotations

import re

# dynamo ONNX: "No ONNX function found for <OpOverload(op='aten.cummax', ...)>",
# torch.export: "target=torch.ops.aten.cummax.default", TorchScript: "aten::cummax"
_OP_PATTERNS = (
    re.compile(r"OpOverload\(op='([\w.]+)'"),
    re.compile(r"torch\.ops\.([\w]+\.[\w]+)"),
    re.compile(r"\b(aten::\w+|prim::\w+)"),
)
_DATA_DEPENDENT = ("data-dependent", "GuardOnDataDependent")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _chain(err: BaseException) -> list[BaseException]:
    """``err`` and its causes, outermost first (each once)."""
    seen: list[BaseException] = []
    while err is not None and err not in seen:
        seen.append(err)
        err = err.__cause__ or err.__context__
    return seen


def failed_op(err: BaseException) -> str | None:
    """The name of the op an exporter could not handle, as it names it, or None."""
    for exc in reversed(_chain(err)):  # the innermost error names the op most precisely
        text = str(exc)
        for pattern in _OP_PATTERNS:
            found = pattern.search(text)
            if found:
                return found.group(1)
    return None


def describe_failure(err: BaseException) -> str:
    """One line: the op that failed, or what kind of failure, or the innermost message."""
    op = failed_op(err)
    if op:
        return f"op {op} has no conversion in this exporter"
    texts = [str(exc) for exc in _chain(err)]
    if any(marker in text for text in texts for marker in _DATA_DEPENDENT):
        return "its forward branches on tensor values (data-dependent control flow)"
    inner = next((t for t in reversed(texts) if t.strip()), type(err).__name__)
    first = _ANSI.sub("", inner).strip().splitlines()[0]
    return first[:200]
