"""Where photo files live: a small storage interface, a folder implementation (one machine)
and an S3-compatible one (several app servers), chosen by OTTO_PHOTO_STORAGE.

A photo is stored as variants named by the SHA-256 of its original bytes: `original` (the
evidence, byte for byte), `report` and `thumb` (derived JPEG copies). Files are first written
into a local scratch folder and then put into place whole (a rename in a folder, a single PUT
to a bucket), so a reader never sees half a file and an interrupted upload leaves nothing
under a photo's name.
"""

import abc
import contextlib
import functools
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

from botocore.exceptions import ClientError

VARIANTS = ("original", "report", "thumb")


class PhotoStorage(abc.ABC):
    """The operations the photo services need from a place that keeps files."""

    @abc.abstractmethod
    def scratch(self) -> contextlib.AbstractContextManager[Path]:
        """A private local temporary folder, removed on exit."""

    @abc.abstractmethod
    def put_file(self, sha256: str, variant: str, temp_path: Path) -> None:
        """Move a finished file from the scratch folder into place, atomically."""

    @abc.abstractmethod
    def open(self, sha256: str, variant: str) -> BinaryIO:
        """Open a stored variant for reading (a seekable binary file, to be closed by the
        caller); FileNotFoundError when it is missing."""

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
        """The local path of a stored variant (it may not exist)."""
        return self.root / object_name(sha256, variant)

    def open(self, sha256: str, variant: str) -> BinaryIO:
        return self.path(sha256, variant).open("rb")

    def exists(self, sha256: str, variant: str) -> bool:
        return self.path(sha256, variant).is_file()

    def delete(self, sha256: str) -> None:
        for variant in VARIANTS:
            self.path(sha256, variant).unlink(missing_ok=True)


class S3Storage(PhotoStorage):
    """Photos as objects `<prefix>ab/cd/<sha256>.<variant>` in a bucket of any S3-compatible
    object store, shared by every app server. A PUT replaces an object whole, so readers see
    the old object or the new one, never a part. Scratch folders are local temporary
    folders; reading downloads the object into a local temporary file."""

    def __init__(self, client, bucket: str, prefix: str = ""):
        self.client, self.bucket = client, bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def key(self, sha256: str, variant: str) -> str:
        """The object key of a variant."""
        return self.prefix + object_name(sha256, variant)

    @contextlib.contextmanager
    def scratch(self) -> Iterator[Path]:
        with tempfile.TemporaryDirectory(prefix="otto-photo-") as folder:
            yield Path(folder)

    def put_file(self, sha256: str, variant: str, temp_path: Path) -> None:
        with temp_path.open("rb") as body:
            self.client.put_object(Bucket=self.bucket, Key=self.key(sha256, variant), Body=body)
        temp_path.unlink()

    def open(self, sha256: str, variant: str) -> BinaryIO:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self.key(sha256, variant))["Body"]
        except ClientError as error:
            if _is_missing(error):
                raise FileNotFoundError(self.key(sha256, variant)) from error
            raise
        file = tempfile.TemporaryFile()
        try:
            with body:
                shutil.copyfileobj(body, file)
        except BaseException:
            file.close()
            raise
        file.seek(0)
        return file

    def exists(self, sha256: str, variant: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(sha256, variant))
        except ClientError as error:
            if _is_missing(error):
                return False
            raise
        return True

    def delete(self, sha256: str) -> None:
        keys = [{"Key": self.key(sha256, variant)} for variant in VARIANTS]
        self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": keys, "Quiet": True})


def object_name(sha256: str, variant: str) -> str:
    """Where a variant lives inside any storage: `ab/cd/<sha256>.<variant>`, fanned out so
    no folder grows to millions of entries."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown photo variant {variant!r}")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}.{variant}"


def _is_missing(error: ClientError) -> bool:
    """True for the object store's answer to a key that is not there."""
    return error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")


@functools.cache
def s3_client(endpoint_url: str | None):
    """One boto3 S3 client per endpoint for the process (clients are thread-safe and slow to
    build). Credentials and region come from the standard AWS environment variables or
    files (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION, ...)."""
    import boto3  # only installations that use S3 pay for the import

    return boto3.session.Session().client("s3", endpoint_url=endpoint_url or None)


def storage_from_config(config: Mapping) -> PhotoStorage:
    """The photo storage configured for an app: `PHOTO_STORAGE` "folder" (`PHOTO_DIR`) or
    "s3" (`S3_BUCKET`, `S3_PREFIX`, `S3_ENDPOINT_URL` for stores other than AWS)."""
    kind = config.get("PHOTO_STORAGE", "folder")
    if kind == "folder":
        return FolderStorage(config["PHOTO_DIR"])
    if kind == "s3":
        if not config.get("S3_BUCKET"):
            raise ValueError("OTTO_PHOTO_STORAGE=s3 needs a bucket in OTTO_S3_BUCKET.")
        client = s3_client(config.get("S3_ENDPOINT_URL") or None)
        return S3Storage(client, config["S3_BUCKET"], config.get("S3_PREFIX", ""))
    raise ValueError(f"Unknown OTTO_PHOTO_STORAGE {kind!r}: use 'folder' or 's3'.")
