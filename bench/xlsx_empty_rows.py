"""Benchmark: an XLSForm workbook whose survey sheet ends in two million empty rows (issue 21:
21 KB zipped, it held a worker ~11 s and grew linearly with the rows).

Times OTTO's sheet reader (`read_workbook`, rows streamed) against the in-run baseline of
openpyxl's own read-only `load_workbook`, which parses a whole sheet to find its size when
the file does not state it. Prints the file's size and the median of each in milliseconds.

Run from the repository root: `.venv/bin/python bench/xlsx_empty_rows.py [runs]`.
"""

import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import openpyxl  # noqa: E402

from otto.checklists.xlsform.sheets import read_workbook  # noqa: E402
from tests.checklists.xlsx_rows import survey_with_empty_rows  # noqa: E402

ROWS = [["type", "name", "label"], ["integer", "antal", "Antal anställda"]]


def median_ms(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        begin = time.perf_counter()
        action()
        times.append((time.perf_counter() - begin) * 1000)
    return statistics.median(times)


def main(runs: int) -> None:
    data = survey_with_empty_rows(ROWS, 2_000_000)
    ours = median_ms(lambda: read_workbook(io.BytesIO(data)), runs)
    baseline = median_ms(
        lambda: openpyxl.load_workbook(io.BytesIO(data), read_only=True).close(), runs
    )
    print(f"survey sheet + 2,000,000 empty rows, {len(data) / 1000:.0f} KB zipped, {runs} runs:")
    print(f"  read_workbook (streamed): median {ours:.0f} ms")
    print(f"  baseline openpyxl.load_workbook(read_only=True): median {baseline:.0f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
