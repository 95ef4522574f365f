"""Agreement between annotators and their consensus: pure numpy, no web, no database.

Votes are integer-coded (item, rater, class) triples in a :class:`~models.agreement.votes.VoteTable`; the
backend turns a round's annotations into one and back. One concept per module:

==================  =====================================================================================
``votes``           the vote table, per-item class counts, the mode, a class mapping (4-class -> binary)
``coefficients``    Fleiss' kappa, Krippendorff's alpha (nominal), Cohen's kappa and its pairwise table
``mode_agreement``  the paper's human-to-mode agreement, confusion matrices, self-agreement, binned agreement
``dawid_skene``     annotator skill: Dawid & Skene (1979) EM, seeded from gold items where there are some
==================  =====================================================================================
"""

from models.agreement.coefficients import cohen_kappa, fleiss_kappa, krippendorff_alpha, pairwise_cohen_kappa
from models.agreement.dawid_skene import DawidSkeneResult, dawid_skene
from models.agreement.mode_agreement import (
    agreement_by_bins,
    confusion_matrix,
    human_to_mode_agreement,
    per_rater_confusion,
    quantile_edges,
    self_agreement,
)
from models.agreement.votes import VoteTable

__all__ = [
    "DawidSkeneResult", "VoteTable", "agreement_by_bins", "cohen_kappa", "confusion_matrix", "dawid_skene",
    "fleiss_kappa", "human_to_mode_agreement", "krippendorff_alpha", "pairwise_cohen_kappa",
    "per_rater_confusion", "quantile_edges", "self_agreement",
]
