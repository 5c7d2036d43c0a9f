"""Work done on a second core while the month's other stages run.

Some of a month's work does not depend on what the stages before it decide: the uniforms every
month draws (a function of the seed and the month only) and the contacts' counts of products
(a function of last month's ownership). It runs on one background thread per process while the
main thread goes on; numpy releases the GIL while it fills or sums arrays, so on a machine with a
second core the two overlap. Results are identical with or without it: whoever needs a result
waits for it, and nothing else touches the arrays a background task writes until then.

``INFOSIM_BACKGROUND=0`` in the environment runs every task at once on the calling thread instead
(for a single core, or to compare).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

_executor: tuple[int, ThreadPoolExecutor] | None = None


def in_background(fn: Callable[..., Any], *args: Any) -> Future:
    """Run ``fn(*args)`` on this process's background thread; ``.result()`` waits for it (and
    re-raises what it raised). Tasks run one at a time, in the order they were given."""
    global _executor
    if os.environ.get("INFOSIM_BACKGROUND", "1") == "0":
        done: Future = Future()
        try:
            done.set_result(fn(*args))
        except BaseException as error:  # handed to whoever waits, as on the thread
            done.set_exception(error)
        return done
    pid = os.getpid()
    if _executor is None or _executor[0] != pid:  # a forked worker process needs a thread of its own
        _executor = (pid, ThreadPoolExecutor(max_workers=1, thread_name_prefix="infosim-background"))
    return _executor[1].submit(fn, *args)


__all__ = ["in_background"]
