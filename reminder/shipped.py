"""Where the shipped templates, migrations and schedules.toml are: inside the installed
package, or in a checkout.

The top-level `templates/` and `alembic/` folders and `schedules.toml` of the source tree are
what an administrator reads and overrides; the wheel carries copies of them as
`reminder/_data/` (see setup.py). An editable install or a checkout reads the originals.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def shipped(name: str) -> Path:
    """`name` ("templates", "alembic", "schedules.toml" or "requirements.lock"): the packaged
    copy if there is one, else the checkout's own."""
    packaged = _PACKAGE / "_data" / name
    return packaged if packaged.exists() else _PACKAGE.parent / name
