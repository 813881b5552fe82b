"""Where photo files live: a small storage interface and its folder implementation.

A photo is stored as variants named by the SHA-256 of its original bytes: `original` (the
evidence, byte for byte), `report` and `thumb` (derived JPEG copies). Files are first written
into a scratch folder inside the storage and then renamed into place, so a reader never sees
half a file and an interrupted upload leaves nothing under a photo's name.
"""

import abc
import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

VARIANTS = ("original", "report", "thumb")


class PhotoStorage(abc.ABC):
    """The operations the photo services need from a place that keeps files."""

    @abc.abstractmethod
    def scratch(self) -> contextlib.AbstractContextManager[Path]:
        """A private temporary folder on the storage's own filesystem, removed on exit."""

    @abc.abstractmethod
    def put_file(self, sha256: str, variant: str, temp_path: Path) -> None:
        """Move a finished file from the scratch folder into place, atomically."""

    @abc.abstractmethod
    def path(self, sha256: str, variant: str) -> Path:
        """The local path of a stored variant (it may not exist)."""

    @abc.abstractmethod
    def open(self, sha256: str, variant: str) -> BinaryIO:
        """Open a stored variant for reading; FileNotFoundError when it is missing."""

    @abc.abstractmethod
    def exists(self, sha256: str, variant: str) -> bool:
        """True when the variant is stored."""

    @abc.abstractmethod
    def delete(self, sha256: str) -> None:
        """Remove every variant of a photo; missing files are not an error."""


class FolderStorage(PhotoStorage):
    """Photos in a folder, fanned out as `ab/cd/<sha256>.<variant>` so no directory grows
    to millions of entries. Scratch folders live in `tmp/` under the same root, so the final
    `os.replace` is a rename within one filesystem, which POSIX makes atomic."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        self._tmp = self.root / "tmp"

    @contextlib.contextmanager
    def scratch(self) -> Iterator[Path]:
        self._tmp.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(dir=self._tmp))
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def put_file(self, sha256: str, variant: str, temp_path: Path) -> None:
        target = self.path(sha256, variant)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp_path, target)

    def path(self, sha256: str, variant: str) -> Path:
        if variant not in VARIANTS:
            raise ValueError(f"unknown photo variant {variant!r}")
        return self.root / sha256[:2] / sha256[2:4] / f"{sha256}.{variant}"

    def open(self, sha256: str, variant: str) -> BinaryIO:
        return self.path(sha256, variant).open("rb")

    def exists(self, sha256: str, variant: str) -> bool:
        return self.path(sha256, variant).is_file()

    def delete(self, sha256: str) -> None:
        for variant in VARIANTS:
            self.path(sha256, variant).unlink(missing_ok=True)


def storage_from_config(config: Mapping) -> PhotoStorage:
    """The photo storage configured for an app (`PHOTO_DIR`)."""
    return FolderStorage(config["PHOTO_DIR"])
