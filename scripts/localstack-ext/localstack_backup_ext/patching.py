"""Patches declared when a module is imported, resolved and chained when they are applied.

A patch module imports nothing from LocalStack at module level. It declares its wrappers against targets
named by strings (``"package.module:Class"``, or a module alone), resolved only by ``apply()``::

    PATCHES = LazyPatches("cfn_lambda", [(LAMBDA_FUNCTION_PROVIDER, "update", _function_update)])

A wrapper has LocalStack's patch convention: ``wrapper(fn, *args, **kwargs)``, ``fn`` being the function
it wraps (for a method, ``self`` is the first of ``args``).

Why chains: several patches wrap the same function (``LambdaFunctionProvider.create`` and ``update``:
cfn_tags, lambda_kms_key, cfn_lambda). ``Patch.function(target, fn)`` captures whatever ``target`` is when
the patch is built, so two patches built before either is applied both capture the original, and the one
applied last silently drops the other; built at apply time instead, they nest in application order. Here
each (owner, attribute) patched gets one ``Chain``: LocalStack's original function, the wrappers of every
applied patch, and one proxy installed with LocalStack's own ``Patch`` that calls them composed in the
order of ``registry.PATCH_NAMES`` (earlier names closer to the original). Import and apply order do not
matter; undoing one patch leaves the others' wrappers active; undoing the last restores the original.
The proxy stays in place while the chain changes, so a dispatch table built from it sees every change.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import Any

from localstack_backup_ext.registry import PATCH_NAMES

Wrapper = Callable[..., Any]
Target = tuple[Any, str, Wrapper]  # (owner or "module:Qualname", attribute, wrapper)


def resolve(owner: Any) -> Any:
    """``"pkg.module:Class.Inner"`` -> that object (``"pkg.module"`` -> the module); objects as they are."""
    if not isinstance(owner, str):
        return owner
    module_name, _, qualname = owner.partition(":")
    obj = importlib.import_module(module_name)
    for part in filter(None, qualname.split(".")):
        obj = getattr(obj, part)
    return obj


def rank(patch_name: str) -> tuple[int, str]:
    """Position in a chain: registry order, then names it does not know (tests) by name."""
    try:
        return (PATCH_NAMES.index(patch_name), patch_name)
    except ValueError:
        return (len(PATCH_NAMES), patch_name)


class Chain:
    """One patched (owner, attribute): the original, the wrappers by patch name, the installed proxy."""

    def __init__(self, owner: Any, attribute: str) -> None:
        from localstack.utils.patch import Patch

        self.owner, self.attribute = owner, attribute
        self.original = getattr(owner, attribute)
        self.wrappers: dict[str, Wrapper] = {}
        self._composed: Callable[..., Any] = self.original
        chain = self

        @functools.wraps(self.original)
        def proxy(*args: Any, **kwargs: Any) -> Any:
            return chain._composed(*args, **kwargs)

        proxy.__backup_ext_chain__ = self
        self._patch = Patch(owner, attribute, proxy)
        self._patch.apply()

    def order(self) -> list[str]:
        """The patch names of the active wrappers, innermost (closest to the original) first."""
        return sorted(self.wrappers, key=rank)

    def add(self, patch_name: str, wrapper: Wrapper) -> None:
        self.wrappers[patch_name] = wrapper
        self._compose()

    def remove(self, patch_name: str) -> None:
        self.wrappers.pop(patch_name, None)
        self._compose()
        if not self.wrappers:
            self._patch.undo()
            _CHAINS.pop((id(self.owner), self.attribute), None)

    def _compose(self) -> None:
        composed = self.original
        for name in self.order():
            composed = functools.partial(self.wrappers[name], composed)
        self._composed = composed


_CHAINS: dict[tuple[int, str], Chain] = {}


def chain_of(owner: Any, attribute: str) -> Chain | None:
    return _CHAINS.get((id(resolve(owner)), attribute))


def original(owner: Any, attribute: str) -> Callable[..., Any]:
    """LocalStack's own function under the extension's wrappers (itself when none is applied)."""
    owner = resolve(owner)
    chain = _CHAINS.get((id(owner), attribute))
    return chain.original if chain else getattr(owner, attribute)


def _chain_for(owner: Any, attribute: str) -> Chain:
    key = (id(owner), attribute)
    if key not in _CHAINS:
        _CHAINS[key] = Chain(owner, attribute)
    return _CHAINS[key]


class LazyPatches:
    """One patch module's wrappers; nothing is imported or built before ``apply()``."""

    def __init__(self, name: str, targets: list[Target]) -> None:
        self.name = name
        self._targets = targets
        self._chains: list[Chain] = []

    @property
    def is_applied(self) -> bool:
        return bool(self._chains)

    def apply(self) -> None:
        if self._chains:
            return
        for owner, attribute, wrapper in self._targets:
            chain = _chain_for(resolve(owner), attribute)
            chain.add(self.name, wrapper)
            self._chains.append(chain)

    def undo(self) -> None:
        for chain in reversed(self._chains):
            chain.remove(self.name)
        self._chains.clear()


class ValuePatch:
    """A module or class attribute set to a value computed when applied (the old value is read then too)."""

    def __init__(self, owner: Any, attribute: str, value: Callable[[], Any]) -> None:
        self._owner, self._attribute, self._value = owner, attribute, value
        self._saved: tuple[Any, Any] | None = None

    @property
    def is_applied(self) -> bool:
        return self._saved is not None

    def apply(self) -> None:
        if self._saved is not None:
            return
        owner = resolve(self._owner)
        self._saved = (owner, getattr(owner, self._attribute))
        setattr(owner, self._attribute, self._value())

    def undo(self) -> None:
        if self._saved is None:
            return
        owner, old = self._saved
        setattr(owner, self._attribute, old)
        self._saved = None
