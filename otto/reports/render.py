"""Report content → HTML (Jinja, templates/reports/report.html) → PDF (WeasyPrint with the
print stylesheet templates/reports/report.css).

WeasyPrint fetches nothing on its own: the only URLs a report may use are `photo:<sha256>`,
answered from photo storage with the photo's report-size copy (never the original) and only
for the photos the report's content holds, and `logo:<agency code>`, the sender's logo.
"""

import contextlib
import datetime as dt
import functools
import gc
import io
import threading
import warnings
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import weasyprint
from jinja2 import Environment, PackageLoader, select_autoescape
from PIL import Image
from weasyprint.urls import URLFetcher, URLFetcherResponse

from otto import labels
from otto.inspections.photo_storage import PhotoStorage
from otto.reports import wording
from otto.reports.content import ReportContent
from otto.timeutil import LOCAL_TZ

STYLESHEET = Path(__file__).parent / "templates" / "reports" / "report.css"
PDF_A = "pdf/a-3b"
PHOTO_SCHEME = "photo:"
LOGO_SCHEME = "logo:"
PRINT_EDGE, PRINT_QUALITY = 800, 80
PRINT_THREADS = 4
PRINT_CACHE_BYTES = 64 * 1024 * 1024  # some 800 photos' print copies


def _local(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.astimezone(LOCAL_TZ).strftime(fmt) if value else ""


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


@functools.cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("otto.reports", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["localtime"] = _local
    env.filters["date"] = _date
    env.globals["wording"] = wording
    env.globals["labels"] = labels
    return env


@functools.cache
def _stylesheet() -> weasyprint.CSS:
    return weasyprint.CSS(filename=str(STYLESHEET))


def render_html(content: ReportContent, *, stamp: dict | None) -> str:
    """The report as HTML. `stamp` is {"version", "issued_at"} for an issued report, None
    for a draft (or for the content fingerprint, where the stamp must not count)."""
    return _environment().get_template("reports/report.html").render(c=content, stamp=stamp)


class PhotoFetcher(URLFetcher):
    """Serves `photo:<sha256>` from photo storage's report copies; refuses anything else.

    The print copies of all allowed photos are made up front on a few threads (Pillow lets
    go of the GIL while it decodes and encodes); a photo whose report copy is missing is
    left out of the report, as WeasyPrint does with any image it cannot load."""

    def __init__(self, storage: PhotoStorage, allowed: set[str], logos: dict[str, bytes]):
        super().__init__(allowed_protocols=["photo", "logo"])
        self.logos = logos
        with ThreadPoolExecutor(max_workers=PRINT_THREADS) as pool:
            copies = pool.map(lambda sha256: _stored_print_copy(storage, sha256), allowed)
            self.copies = dict(zip(allowed, copies, strict=True))

    def fetch(self, url, headers=None):
        if url.startswith(LOGO_SCHEME) and url.removeprefix(LOGO_SCHEME) in self.logos:
            body = self.logos[url.removeprefix(LOGO_SCHEME)]
            return URLFetcherResponse(url, body, {"Content-Type": "image/png"})
        body = (
            self.copies.get(url.removeprefix(PHOTO_SCHEME))
            if url.startswith(PHOTO_SCHEME)
            else None
        )
        if body is None:
            raise ValueError(f"The report may not load {url}.")
        return URLFetcherResponse(url, body, {"Content-Type": "image/jpeg"})


class BytesCache:
    """Bytes by key, the least recently used dropped once they total more than `limit`
    bytes; safe across the threads of a worker. For values a key fully determines (a photo's
    print copy by its hash, a draft PDF by its fingerprint), so a key once stored is kept."""

    def __init__(self, limit: int):
        self._limit = limit
        self._values: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            value = self._values.get(key)
            if value is not None:
                self._values.move_to_end(key)
            return value

    def put(self, key: str, value: bytes) -> None:
        with self._lock:
            if key in self._values:
                return
            self._values[key] = value
            self._size += len(value)
            while self._size > self._limit:
                self._size -= len(self._values.popitem(last=False)[1])


# Print copies by photo SHA-256. A photo is named by the hash of its original bytes and its
# print copy is made from them alone, so a copy never goes stale; making one is the largest
# cost of a report outside WeasyPrint (bench/report_render.py), and a visit's report is
# rendered again and again while it is written. Only copies of photos a report's content
# holds, and storage still has, are ever served.
_print_copies = BytesCache(PRINT_CACHE_BYTES)


def _stored_print_copy(storage: PhotoStorage, sha256: str) -> bytes | None:
    copy = _print_copies.get(sha256)
    if copy is not None and storage.exists(sha256, "report"):  # a deleted photo stays out
        return copy
    try:
        with storage.open(sha256, "report") as file:
            copy = print_copy(file)
    except FileNotFoundError:
        return None
    _print_copies.put(sha256, copy)
    return copy


def print_copy(file) -> bytes:
    """A photo's report copy at print size: long edge PRINT_EDGE (about 240 dpi at the
    width a report shows a photo), so 60 photos stay well under 15 MB. The JPEG decoder
    scales by 1/2 while decoding (`draft`), which is what keeps this fast."""
    with Image.open(file) as image:
        if max(image.size) >= 2 * PRINT_EDGE:
            image.draft("RGB", (image.width // 2, image.height // 2))
        image = image.convert("RGB")
        image.thumbnail((PRINT_EDGE, PRINT_EDGE))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=PRINT_QUALITY)
    return buffer.getvalue()


@contextlib.contextmanager
def _collector_paused():
    """Python's cyclic garbage collector off while WeasyPrint works, then one collection of
    the young objects. A render of the 60-photo report builds some 180,000 container objects
    (boxes, styles, text lines) that live until it ends; with the collector on it runs about
    500 collections, four of them full, each walking those objects again while nearly none
    is garbage yet: a fifth of WeasyPrint's CPU time (bench/report_render.py). The one
    collection afterwards frees the render's reference cycles, so memory ends as before.
    Left alone when the collector is already off (another thread's render, or the
    process's choice)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(0)


def render_pdf(
    html: str,
    *,
    storage: PhotoStorage,
    photos: set[str],
    logos: dict[str, bytes] | None = None,
    pdf_variant: str | None = None,
) -> bytes:
    """The HTML as PDF bytes; `pdf_variant` "pdf/a-3b" for the archived copy; `logos` the
    senders' logos (PNG) by agency code."""
    fetcher = PhotoFetcher(storage, photos, logos or {})
    options = {"pdf_variant": pdf_variant} if pdf_variant else {}
    with warnings.catch_warnings(), _collector_paused():
        # WeasyPrint opens its sRGB profile for PDF/A without closing it (read whole, so
        # nothing is lost); its ResourceWarning is not ours to fix.
        warnings.filterwarnings("ignore", message=r".*sRGB2014\.icc", category=ResourceWarning)
        document = weasyprint.HTML(string=html, base_url="photo:", url_fetcher=fetcher)
        return document.write_pdf(stylesheets=[_stylesheet()], **options)
