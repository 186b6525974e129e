"""Agreement figures in plain words: one sentence per figure, for people who do not read
statistics (peer researchers, the community)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template

register = template.Library()

UNIT_WORDS = {"characters": "characters of text", "sentences": "sentences"}


def _alpha_reading(alpha: float) -> str:
    if alpha >= 0.8:
        return "reliable: the coders apply it in the same places"
    if alpha >= 0.667:
        return "tentative: they mostly agree, and the differences are worth talking through"
    if alpha > 0:
        return "low: they often differ, so the passages and the definition need a conversation"
    return "no better than chance: they read this value differently"


@register.simple_tag
def agreement_sentences(
    stats: Any, name: str, unit: str, pair_labels: Iterable[tuple[Any, str]]
) -> list[str]:
    """One plain sentence for each figure of a row of the agreement table."""
    units = UNIT_WORDS.get(unit, unit)
    sentences = []
    percent = stats.percent
    if percent is None:
        sentences.append(f"There is nothing to compare for {name} yet.")
        return sentences
    sentences.append(
        f"Percent agreement: the coders made the same call (applied or not) on "
        f"{percent * 100:.0f}% of the {units} for {name}."
    )
    kappas = stats.kappas()
    for pair, label in pair_labels:
        kappa = kappas.get(pair)
        if kappa is None:
            continue
        sentences.append(
            f"Kappa for {label}: {kappa:.2f}, their agreement after taking away what chance "
            "alone would give (1 is full agreement, 0 no better than chance)."
        )
    alpha = stats.alpha
    if alpha is None:
        sentences.append("Alpha cannot be worked out: the value was never applied here, or always.")
    else:
        reading = _alpha_reading(alpha)
        sentences.append(
            f"Alpha, the same idea for all coders together, is {alpha:.2f}: {reading}."
        )
    return sentences
