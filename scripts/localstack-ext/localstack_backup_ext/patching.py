"""Patches built when applied, not when imported.

``Patch.function(target, fn)`` captures ``target`` when it is called. Two modules that patch the same
function at import time would both capture the original, and the one applied last would silently drop
the other. Building the patch at apply time wraps whatever is installed then, so patches chain in the
order plugins.apply_patches applies them.
"""

from collections.abc import Callable
from typing import Any

from localstack.utils.patch import Patch


class LazyPatches:
    def __init__(self, targets: list[tuple[Any, str, Callable]]) -> None:
        self._targets = targets
        self._applied: list[Patch] = []

    def apply(self) -> None:
        for owner, name, fn in self._targets:
            patch = Patch.function(getattr(owner, name), fn)
            patch.apply()
            self._applied.append(patch)

    def undo(self) -> None:
        for patch in reversed(self._applied):
            patch.undo()
        self._applied.clear()
