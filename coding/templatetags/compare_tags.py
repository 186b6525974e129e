"""Small template filters for the comparison pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """mapping[key] in a template (None when missing)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def percent(x: float | None) -> str:
    return "–" if x is None else f"{x * 100:.1f}%"


@register.filter
def decimal(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


@register.filter
def alpha_words(alpha: float | None) -> str:
    """Krippendorff's own reading of alpha, in plain words."""
    if alpha is None:
        return "Cannot be worked out: the value was never applied, or always."
    if alpha >= 0.8:
        return "Reliable: the coders apply this value in the same places."
    if alpha >= 0.667:
        return "Tentative: the coders mostly agree; worth talking through the differences."
    if alpha > 0:
        return "Low: the coders often differ; discuss the passages below and the definition."
    return "No better than chance: the coders read this value differently."
