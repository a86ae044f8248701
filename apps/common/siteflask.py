"""The Flask class every app of the site is made from."""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Callable
from typing import Any

from flask import Flask


class SiteFlask(Flask):
    """Flask, deciding once per hook or view whether it is ``async def``.

    Flask calls ``ensure_sync`` for every before, after and teardown function and for
    the view, on every request: eight to twelve ``inspect.iscoroutinefunction`` calls,
    2% of a logged-in page. The functions an app registers are the same objects on
    every request, so the ones Flask found synchronous are remembered. Weakly: a
    function made for one request (``after_this_request``) is forgotten with it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sync_functions: weakref.WeakSet[Callable[..., Any]] = weakref.WeakSet()

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """``func`` itself when Flask already found it synchronous, else Flask's answer."""
        if func in self.sync_functions:
            return func
        sync_func = super().ensure_sync(func)
        # An object without weak references is left to Flask each time.
        if sync_func is func:
            with contextlib.suppress(TypeError):
                self.sync_functions.add(func)
        return sync_func
