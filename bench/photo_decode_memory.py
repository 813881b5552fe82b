"""Benchmark: peak memory of checking and copying one uploaded photo (issue 21: a 7000 × 7000
PNG within the pixel limit took the server from ~190 MB to ~960 MB).

Each case runs `derive_copies` in a fresh Python process and prints the growth of its peak
resident memory over the same process just before the call. Cases: a 7000 × 7000 RGBA PNG
with the decode budget lifted (the in-run baseline: the old behaviour), the same PNG under
limits.PHOTO_DECODE_PIXELS (refused from its header), a 4000 × 4000 RGBA PNG at the budget,
and a 12-megapixel JPEG.

Run from the repository root: `.venv/bin/python bench/photo_decode_memory.py`.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MAKE = """
import sys
from PIL import Image
width, height, fmt, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
mode = "RGBA" if fmt == "PNG" else "RGB"
band = Image.linear_gradient("L").resize((width, height))
Image.merge(mode, [band] * len(mode)).save(path, fmt, compress_level=1) if fmt == "PNG" else \
    Image.merge(mode, [band] * 3).save(path, fmt, quality=85)
"""

MEASURE = """
import resource, shutil, sys
from pathlib import Path
from otto import limits
from otto.errors import DomainError
from otto.inspections.photo_images import derive_copies
source, scratch, lifted = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "1"
if lifted:
    limits.PHOTO_DECODE_PIXELS = 10**9
shutil.copy(source, scratch / "original")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    derive_copies(scratch, 50_000_000)
    outcome = "accepted"
except DomainError as error:
    outcome = f"refused ({error.code})"
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"{(after - before) / 1024:.0f} MB {outcome}")
"""

CASES = [
    ("7000x7000 RGBA PNG, budget lifted (baseline)", 7000, 7000, "PNG", True),
    ("7000x7000 RGBA PNG", 7000, 7000, "PNG", False),
    ("4000x4000 RGBA PNG (16 MP, the budget)", 4000, 4000, "PNG", False),
    ("4000x3000 JPEG (12 MP phone photo)", 4000, 3000, "JPEG", False),
]


def main() -> None:
    print("Peak memory growth while checking and copying one photo:")
    with tempfile.TemporaryDirectory() as folder:
        for label, width, height, fmt, lifted in CASES:
            path = Path(folder) / f"{width}x{height}.{fmt.lower()}"
            if not path.exists():
                args = [sys.executable, "-c", MAKE, str(width), str(height), fmt, str(path)]
                subprocess.run(args, check=True)  # nosec B603 - our own interpreter and script
            scratch = Path(tempfile.mkdtemp(dir=folder))
            args = [sys.executable, "-c", MEASURE, str(path), str(scratch), "1" if lifted else "0"]
            result = subprocess.run(  # nosec B603 - our own interpreter and script
                args, check=True, capture_output=True, text=True, cwd=ROOT
            )
            print(f"  {label}: {result.stdout.strip()}")


if __name__ == "__main__":
    main()
