"""Benchmark: validate_template + check_answers on a 300-question template with 300 answers.

Run from the repository root: `.venv/bin/python bench/checklist_check.py [repetitions]`.
Prints the median and 95th percentile of one run (validation plus check) in milliseconds.
"""

from __future__ import annotations

import statistics
import sys
import time
from typing import Any

from otto.checklists.checker import check_answers
from otto.checklists.template_format import validate_template

SECTIONS = 15
QUESTIONS_PER_SECTION = 20  # groups of 4 questions: 300 questions in all
PHOTO = "ab" * 32


def build_template() -> dict[str, Any]:
    """A template whose questions come in groups: yesno, number, choice, and a photo shown
    only when the number is too high; each group has show_if and deviation rules."""
    sections = []
    for s in range(SECTIONS):
        questions: list[dict[str, Any]] = []
        while len(questions) < QUESTIONS_PER_SECTION:
            n = f"{s}-{len(questions)}"
            questions += [
                {
                    "id": f"ok-{n}",
                    "type": "yesno",
                    "text": "Finns rutiner?",
                    "required": True,
                    "legal_ref": "LIVSFS 2005:20",
                    "deviation": {
                        "when": {"q": f"ok-{n}", "op": "eq", "value": "no"},
                        "severity": "minor",
                        "text": "Rutiner saknas",
                    },
                },
                {
                    "id": f"temp-{n}",
                    "type": "number",
                    "unit": "°C",
                    "min": -30,
                    "max": 30,
                    "text": "Temperatur",
                    "show_if": {"q": f"ok-{n}", "op": "in", "value": ["yes", "no"]},
                    "deviation": {
                        "when": {
                            "all": [
                                {"q": f"temp-{n}", "op": "gt", "value": 8},
                                {"not": {"q": f"ok-{n}", "op": "eq", "value": "na"}},
                            ]
                        },
                        "severity": "major",
                        "text": "För varmt",
                        "legal_ref": "852/2004",
                    },
                },
                {
                    "id": f"kind-{n}",
                    "type": "choice",
                    "multiple": True,
                    "options": [{"value": v, "label": v.title()} for v in ("kyl", "frys", "torr")],
                    "text": "Förvaring",
                    "show_if": {"any": [{"q": f"temp-{n}", "op": "answered"}]},
                },
                {
                    "id": f"photo-{n}",
                    "type": "photo",
                    "min_photos": 1,
                    "text": "Foto på termometern",
                    "show_if": {"q": f"temp-{n}", "op": "gte", "value": 8},
                },
            ]
        sections.append({"id": f"section-{s}", "title": f"Avsnitt {s}", "questions": questions})
    return {"key": "bench", "agency": "livsmedel", "title": "Benchmark", "sections": sections}


def build_answers(body: dict[str, Any]) -> dict[str, Any]:
    """One answer per question, mixing deviations, hidden questions and bad values."""
    answers: dict[str, Any] = {}
    for index, question in enumerate(q for s in body["sections"] for q in s["questions"]):
        kind = question["type"]
        if kind == "yesno":
            answers[question["id"]] = ("yes", "no", "na")[index % 3]
        elif kind == "number":
            answers[question["id"]] = (4, 9.5, 45)[index % 3]
        elif kind == "choice":
            answers[question["id"]] = ["kyl", "frys"]
        else:
            answers[question["id"]] = [PHOTO] if index // 4 % 2 else []
    return answers


def main(repetitions: int) -> None:
    body = build_template()
    answers = build_answers(body)
    timings = []
    for _ in range(repetitions):
        start = time.perf_counter()
        result = check_answers(validate_template(body), answers)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(len(timings) * 0.95))]
    questions = sum(len(s["questions"]) for s in body["sections"])
    print(
        f"{questions} questions, {len(answers)} answers, {repetitions} runs: "
        f"median {statistics.median(timings):.2f} ms, p95 {p95:.2f} ms "
        f"({len(result.missing_required)} missing, {len(result.invalid)} invalid, "
        f"{len(result.deviations)} deviations)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
