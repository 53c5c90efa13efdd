"""Pure appraisal rules: KPI weights, the weighted score, and the grade a score falls in."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

DEFAULT_GRADES: tuple[tuple[str, Decimal], ...] = (
    ("A", Decimal(90)), ("B", Decimal(80)), ("C", Decimal(70)), ("D", Decimal(60)), ("E", Decimal(0)))
MAX_SCORE = Decimal(100)
SCORE_STEP = Decimal("0.01")


def weighted_score(weights: list[Decimal], scores: list[Decimal]) -> Decimal:
    """Sum of score x weight (weights add up to 1), to 0.01 half up."""
    if len(weights) != len(scores):
        raise ValueError("one score per KPI")
    return sum((w * s for w, s in zip(weights, scores, strict=True)), Decimal(0)).quantize(
        SCORE_STEP, rounding=ROUND_HALF_UP)


def grade_of(score: Decimal, grades: list[tuple[str, Decimal]]) -> str:
    """The first grade (highest threshold first) whose threshold the score reaches."""
    for grade, floor in sorted(grades, key=lambda g: -g[1]):
        if score >= floor:
            return grade
    return sorted(grades, key=lambda g: g[1])[0][0]


def clean_scores(raw: Any, n: int) -> list[Decimal] | None:
    """``n`` scores between 0 and 100 with at most two decimals, else None."""
    try:
        scores = [Decimal(str(v)) for v in raw]
    except (TypeError, ValueError, ArithmeticError):
        return None
    if len(scores) != n or any(not s.is_finite() or s < 0 or s > MAX_SCORE or s != s.quantize(SCORE_STEP)
                               for s in scores):
        return None
    return [s + 0 for s in scores]


def score_360(manager_score: Decimal, raters: list[tuple[Decimal, Decimal]]) -> Decimal:
    """The 360° score: the manager's score with weight 1 - sum of the raters' weights, plus each rater's score
    (weight, score) times its weight, to 0.01 half up."""
    rest = Decimal(1) - sum((w for w, _s in raters), Decimal(0))
    return (manager_score * rest + sum((w * s for w, s in raters), Decimal(0))).quantize(
        SCORE_STEP, rounding=ROUND_HALF_UP)


def quota_places(share: Decimal, total: int) -> int:
    """强制分布: how many of ``total`` appraisals a grade limited to ``share`` may hold (share x total, rounded
    half up: 20 % of 3 people is 1 place, of 12 people 2)."""
    return int((share * total).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def quota_problems(quotas: dict[str, Decimal], grades: list[str], total: int) -> list[tuple[str, int, int]]:
    """The grades over their quota: (grade, places, holders) for each grade of ``grades`` (one per appraisal
    already graded) that holds more than its places."""
    out = []
    for grade, share in sorted(quotas.items()):
        n = sum(1 for g in grades if g == grade)
        places = quota_places(share, total)
        if n > places:
            out.append((grade, places, n))
    return out
