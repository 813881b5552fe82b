"""The seed library of Swedish checklist templates shipped with the application."""

import json
from pathlib import Path

from otto.checklists import services
from otto.checklists.models import TemplateVersion

LIBRARY_DIR = Path(__file__).parent / "library"


def library_bodies() -> list[dict]:
    """The template bodies of the library, ordered by file name."""
    return [json.loads(path.read_text("utf-8")) for path in sorted(LIBRARY_DIR.glob("*.json"))]


def install_library() -> list[TemplateVersion]:
    """Install (publish) every library template; already installed ones are left as they are."""
    return [services.install_template(body) for body in library_bodies()]
