"""Agreement between coders on interviews that two or more people coded.

Each value is a yes/no judgement on each unit of text: a character (the default) or a sentence
(coded when an excerpt of the value touches it). For every value and overall (all values
pooled) we report percent agreement, Cohen's kappa for each pair of coders and Krippendorff's
alpha (nominal, any number of coders, interviews with different coders allowed).

- `units`: cutting a transcript into units, each with the coders who marked it;
- `statistics`: kappa, alpha and percent agreement;
- `loading`: reading the double-coded interviews in scope (`agreement_load`);
- `measuring`: the figures and passages to discuss (`agreement_measure`, `agreement_report`).
"""

from __future__ import annotations

from .loading import (
    COUNTED_DEFINITION,
    AgreementData,
    SetAside,
    agreement_load,
    double_coded_interviews,
)
from .measuring import (
    PASSAGE_DEFINITION,
    AgreementReport,
    Disagreement,
    Side,
    agreement_measure,
    agreement_report,
)
from .statistics import (
    Stats,
    cohen_kappa,
    coincidences,
    krippendorff_alpha,
    percent_agreement,
    positive_agreement,
)
from .units import (
    UNIT_CHARACTERS,
    UNIT_SENTENCES,
    character_patterns,
    sentence_patterns,
    sentence_spans,
)

__all__ = [
    "COUNTED_DEFINITION",
    "PASSAGE_DEFINITION",
    "UNIT_CHARACTERS",
    "UNIT_SENTENCES",
    "AgreementData",
    "AgreementReport",
    "Disagreement",
    "SetAside",
    "Side",
    "Stats",
    "agreement_load",
    "agreement_measure",
    "agreement_report",
    "character_patterns",
    "cohen_kappa",
    "coincidences",
    "double_coded_interviews",
    "krippendorff_alpha",
    "percent_agreement",
    "positive_agreement",
    "sentence_patterns",
    "sentence_spans",
]
