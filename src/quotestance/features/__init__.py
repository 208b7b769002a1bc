"""Feature extractors for the stance model: target-aware text views, lexicon scores, embeddings."""

from quotestance.features.inputs import STANCE_COLUMNS, stance_frame
from quotestance.features.lexicon import LexiconFeatures
from quotestance.features.views import TargetViews

__all__ = ["STANCE_COLUMNS", "LexiconFeatures", "TargetViews", "stance_frame"]
