"""``${NAME}`` references to the environment, as the config writes its secrets. Pure; `model`
re-exports both functions, which the rest of the code imports from there."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def env_names(raw: str) -> list[str]:
    """The environment variables a ``${NAME}`` value refers to."""
    return ENV_REF.findall(raw)


def expand_env(raw: str, environ: Mapping[str, str] | None = None) -> str | None:
    """Replace every ``${NAME}`` from the environment; None when one of them is unset or empty."""
    env = os.environ if environ is None else environ
    missing = False

    def sub(m: re.Match[str]) -> str:
        nonlocal missing
        value = env.get(m.group(1), "")
        missing = missing or not value
        return value

    value = ENV_REF.sub(sub, raw)
    return None if missing else value
