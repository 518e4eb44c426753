"""Answer verification: extraction, comparison, execution of predicted inputs, feedback messages.

``python -m codeio.verify rows.jsonl > verdicts.jsonl`` checks responses without Hydra.
"""

from codeio.verify.compare import numbers_close, outputs_match, values_close
from codeio.verify.extract import Extraction, extract_answer
from codeio.verify.verifier import INVALID, Verdict, Verifier, VerifyItem, record_verdict

__all__ = [
    "Extraction",
    "INVALID",
    "Verdict",
    "Verifier",
    "VerifyItem",
    "extract_answer",
    "numbers_close",
    "outputs_match",
    "record_verdict",
    "values_close",
]
