"""Where the project's data folders are: ``schemas/`` and ``vault_template/``.

They live at the top of the repository (the layout the project is built
around); an installed wheel carries them under ``<prefix>/share/kbsync/``
(pyproject's data-files). One function finds them in either place, so no
module guesses paths on its own.
"""

from __future__ import annotations

import sys
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent
_INSTALLED = Path(sys.prefix) / "share" / "kbsync"


def data_dir(name: str) -> Path:
    """The folder ``name`` (``"schemas"`` or ``"vault_template"``); FileNotFoundError if absent."""
    for base in (_CHECKOUT, _INSTALLED):
        if (base / name).is_dir():
            return base / name
    raise FileNotFoundError(f"kbsync data folder {name!r} not found in {_CHECKOUT} or {_INSTALLED}")
