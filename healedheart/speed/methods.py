"""A method of an object (the HTML builder) followed by a step of ours, for a ``with`` block.

``speed.parallel`` has the main process offer waiting parts to free writers after
each document it resolves; ``speed.garbage`` has readers and writers collect
their garbage after each document. Both wrap one of the builder's methods only
while Sphinx reads or writes in parallel, and leave the builder as it was.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any


@contextlib.contextmanager
def each_call_then(obj: Any, method: str, then: Callable[[], None]) -> Iterator[None]:
    """Within: each call of ``obj.<method>`` is followed by ``then()``; then ``obj`` as it was."""
    own = method in vars(obj)
    original = getattr(obj, method)

    def calling_then(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        then()
        return result

    setattr(obj, method, calling_then)
    try:
        yield
    finally:
        if own:
            setattr(obj, method, original)
        else:
            delattr(obj, method)
