"""The Flask class every app of the site is made from."""

from __future__ import annotations

from collections.abc import Callable
from types import CodeType
from typing import Any

from flask import Flask


class SiteFlask(Flask):
    """Flask, deciding once per function whether a hook or view is ``async def``.

    Flask calls ``ensure_sync`` for every before, after and teardown function and for
    the view, on every request: eight to twelve ``inspect.iscoroutinefunction`` calls,
    2% of a logged-in page. Whether a function is a coroutine function is written in
    its code object, so the code of each plain function is remembered once seen.
    Bound methods read their function's code; anything without code (a
    ``functools.partial``) is decided by Flask each time.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sync_code: set[CodeType] = set()

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """``func`` itself when its code is known to be synchronous, else Flask's answer."""
        code = getattr(func, "__code__", None)
        if code in self.sync_code:
            return func
        sync_func = super().ensure_sync(func)
        if sync_func is func and code is not None:
            self.sync_code.add(code)
        return sync_func
