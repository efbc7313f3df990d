"""Lazy imports for the registries (CLI commands, channels, sources).

Each registry names its implementations as "module:attribute" strings, so a command
or a run imports only what it uses, and a missing optional module is reported by the
registry in its own words instead of breaking every import.
"""

from __future__ import annotations

import importlib
from typing import Any


def import_target(target: str) -> Any | None:
    """The object named "module:attribute", or None when that module itself is missing
    (an error inside the module, or a missing dependency of it, still raises)."""
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name == module_name:
            return None
        raise
    return getattr(module, attr)
