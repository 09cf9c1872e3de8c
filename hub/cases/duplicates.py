"""Likely duplicates: the same place, the same matter, close in time. Suggested only; a person merges."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from hub.cases.config import Merge
from hub.cases.model import Case
from hub.dispatch.recommend import distance_km

SAME_CATEGORY_BONUS = 0.2
_NOT_TEXT = re.compile(r"[\s\W_]+")


@dataclass(frozen=True, slots=True)
class Candidate:
    case_id: int
    score: float  # likeness of the matters (0–1), plus a bonus for the same category
    reasons: tuple[str, ...]


def bigrams(text: str) -> set[str]:
    """Pairs of neighbouring characters: Chinese has no spaces to split words on, and pairs work well."""
    clean = _NOT_TEXT.sub("", text.lower())
    return {clean[i:i + 2] for i in range(len(clean) - 1)} or ({clean} if clean else set())


def likeness(a: str, b: str) -> float:
    """Jaccard likeness of two texts' character pairs."""
    x, y = bigrams(a), bigrams(b)
    return len(x & y) / len(x | y) if x and y else 0.0


def same_place(a: Case, b: Case, distance_m: float) -> str | None:
    """Why two cases are at the same place, or None."""
    if a.location is not None and b.location is not None:
        metres = distance_km(a.location, b.location) * 1000
        return f"相距{metres:.0f}米" if metres <= distance_m else None
    if a.address and _NOT_TEXT.sub("", a.address) == _NOT_TEXT.sub("", b.address):
        return "地址相同"
    if a.grid is not None and a.grid == b.grid:
        return "同一网格"
    return None


def candidates(case: Case, others: Iterable[Case], config: Merge) -> list[Candidate]:
    """Open cases that look like *case*, most alike first."""
    found: list[Candidate] = []
    for other in others:
        if other.id == case.id or not other.state.is_open or abs(other.created_at - case.created_at) > \
                config.within_days * 86400:
            continue
        place = same_place(case, other, config.distance_m)
        if place is None:
            continue
        alike = likeness(f"{case.title} {case.matter}", f"{other.title} {other.matter}")
        score = alike + (SAME_CATEGORY_BONUS if other.category == case.category else 0.0)
        if score >= config.similarity:
            reasons = (place, f"内容相似度{alike:.0%}", *(["同一类别"] if other.category == case.category else []))
            found.append(Candidate(other.id, round(score, 3), reasons))
    return sorted(found, key=lambda c: -c.score)
