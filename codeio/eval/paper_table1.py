"""The paper's Table 1 (main results), transcribed so a run's results table can show the paper's row
for the same base model beside ours.

Keys are ``<model name>/<row>`` with the model names of ``conf/model/*.yaml`` and the rows:
``2nd_stage_only`` (instruction tuning only), ``wi``, ``wi_full``, ``omi2``, ``omi2_full``,
``oc_sft_1``, ``pyedu``, ``codeio`` and ``codeio_pp`` (the experiments ``codeio`` / ``codeio_pp`` pick
their own rows by name). Values are in the order of ``config.TABLE1_BENCHMARKS``, followed by the
paper's own average over the 14 (its AVG column).
"""

from __future__ import annotations

from codeio.eval.config import TABLE1_BENCHMARKS

_ROWS: dict[str, dict[str, tuple[float, ...]]] = {
    "qwen2.5-coder-7b": {
        "2nd_stage_only": (66.9, 70.7, 83.4, 71.6, 41.5, 77.2, 20.7, 61.3, 60.0, 68.3, 70.6, 10.9, 38.7, 26.0, 54.8),
        "wi": (66.3, 73.5, 87.0, 71.4, 39.1, 77.5, 18.3, 59.1, 61.6, 68.6, 68.7, 10.2, 42.5, 26.0, 55.0),
        "wi_full": (67.0, 75.0, 87.0, 71.1, 42.9, 78.6, 19.1, 59.3, 59.8, 68.4, 70.4, 10.9, 41.9, 27.6, 55.6),
        "omi2": (67.6, 74.3, 84.1, 72.3, 36.2, 77.4, 20.9, 60.4, 61.5, 68.8, 69.3, 10.1, 42.7, 27.2, 55.2),
        "omi2_full": (66.9, 74.0, 88.5, 73.2, 40.9, 77.8, 19.9, 59.5, 62.4, 68.3, 71.3, 11.2, 41.2, 28.4, 56.0),
        "oc_sft_1": (66.6, 75.3, 86.7, 70.9, 37.7, 78.0, 20.3, 60.9, 60.1, 67.5, 67.6, 10.8, 40.1, 27.5, 55.0),
        "pyedu": (66.7, 74.8, 85.8, 71.4, 40.9, 77.4, 19.1, 58.9, 62.4, 67.8, 65.7, 10.6, 39.3, 25.8, 54.8),
        "codeio": (67.9, 76.4, 86.4, 71.9, 43.3, 77.3, 23.7, 63.6, 64.9, 69.3, 72.8, 10.7, 44.3, 28.5, 57.2),
        "codeio_pp": (66.9, 79.1, 85.7, 72.1, 40.6, 77.9, 24.2, 62.5, 67.9, 71.0, 74.2, 10.7, 45.7, 29.1, 57.7),
    },
    "llama-3.1-8b": {
        "2nd_stage_only": (71.3, 73.1, 83.2, 49.9, 40.6, 70.0, 4.1, 44.5, 46.9, 65.8, 65.6, 9.8, 39.8, 25.7, 49.3),
        "wi": (72.1, 76.3, 82.8, 52.8, 42.9, 69.6, 4.1, 44.0, 44.8, 64.5, 67.8, 10.0, 42.7, 23.1, 49.8),
        "omi2": (72.2, 74.8, 86.2, 58.9, 38.2, 70.1, 5.8, 46.1, 46.4, 67.4, 68.6, 9.5, 40.3, 24.5, 50.6),
        "oc_sft_1": (71.0, 71.9, 81.8, 51.1, 38.2, 68.4, 5.7, 43.5, 44.9, 65.6, 67.6, 10.5, 42.0, 24.7, 49.1),
        "pyedu": (70.6, 69.6, 83.2, 49.8, 42.4, 69.1, 5.2, 43.1, 44.5, 64.0, 65.6, 10.2, 42.6, 25.7, 49.0),
        "codeio": (71.7, 73.9, 83.6, 53.8, 43.5, 69.0, 9.3, 50.1, 53.3, 67.5, 65.3, 10.4, 40.9, 24.7, 51.2),
        "codeio_pp": (71.8, 75.1, 84.0, 53.2, 40.9, 68.4, 10.0, 50.4, 53.1, 70.0, 70.6, 10.5, 43.2, 28.1, 52.1),
    },
    "deepseek-coder-v2-lite": {
        "2nd_stage_only": (68.4, 73.4, 82.5, 60.0, 38.6, 68.5, 14.8, 53.0, 54.9, 61.1, 69.2, 6.7, 44.7, 26.6, 51.6),
        "wi": (68.5, 73.8, 83.7, 60.5, 39.5, 68.7, 14.3, 53.5, 57.1, 61.6, 65.7, 6.9, 43.1, 25.4, 51.6),
        "omi2": (67.6, 74.1, 84.7, 64.7, 38.4, 70.1, 14.4, 53.8, 55.8, 63.6, 66.4, 6.4, 42.0, 24.7, 51.9),
        "oc_sft_1": (68.2, 73.6, 83.3, 60.9, 37.3, 69.1, 14.7, 52.8, 56.1, 60.9, 67.9, 6.1, 42.7, 25.2, 51.3),
        "pyedu": (68.3, 74.6, 83.0, 60.6, 38.2, 69.7, 15.6, 54.9, 57.0, 61.9, 68.6, 7.0, 44.7, 24.6, 52.1),
        "codeio": (68.4, 74.6, 83.6, 60.9, 38.6, 70.3, 18.7, 58.4, 62.8, 63.1, 70.8, 7.8, 46.0, 26.1, 53.6),
        "codeio_pp": (69.0, 73.5, 82.8, 60.9, 38.8, 70.0, 20.3, 59.5, 61.0, 64.2, 69.4, 6.7, 46.3, 26.9, 53.5),
    },
    "gemma-2-27b": {
        "2nd_stage_only": (72.4, 80.1, 90.1, 66.3, 44.4, 82.8, 19.1, 62.5, 66.9, 77.1, 80.4, 13.5, 47.8, 30.0, 59.5),
        "wi": (73.2, 79.0, 91.5, 70.6, 44.9, 82.7, 20.7, 63.5, 66.3, 77.6, 77.2, 17.1, 47.3, 33.3, 60.4),
        "omi2": (73.1, 79.3, 90.8, 67.1, 44.0, 83.4, 19.2, 61.4, 66.0, 77.1, 80.5, 13.9, 49.7, 40.7, 60.4),
        "oc_sft_1": (73.5, 79.9, 91.1, 66.1, 46.9, 81.8, 20.2, 62.8, 65.6, 77.3, 78.9, 14.0, 46.9, 35.3, 60.0),
        "pyedu": (73.7, 79.5, 90.3, 66.0, 45.3, 82.8, 18.7, 61.3, 64.9, 77.4, 79.0, 14.2, 48.9, 34.0, 59.7),
        "codeio": (75.9, 80.7, 91.2, 67.4, 44.9, 83.3, 22.4, 65.0, 70.3, 77.9, 78.7, 14.6, 49.1, 31.3, 60.9),
        "codeio_pp": (73.1, 82.0, 91.4, 66.9, 46.0, 83.0, 26.6, 64.4, 70.6, 78.4, 77.8, 16.4, 49.4, 35.3, 61.5),
    },
}

ROW_LABELS = {
    "2nd_stage_only": "2nd Stage Only",
    "wi": "WI",
    "wi_full": "WI (Full)",
    "omi2": "OMI2",
    "omi2_full": "OMI2 (Full)",
    "oc_sft_1": "OC-SFT-1",
    "pyedu": "PyEdu",
    "codeio": "CodeI/O",
    "codeio_pp": "CodeI/O++",
}


def paper_row(key: str | None) -> dict | None:
    """``{"label", "scores": {benchmark: value}, "average"}`` for ``<model>/<row>``, or None when the
    paper has no such row (unknown model, an ablation's experiment name, ...)."""
    if not key or "/" not in key:
        return None
    model, row = key.split("/", 1)
    values = _ROWS.get(model, {}).get(row)
    if values is None:
        return None
    scores = dict(zip(TABLE1_BENCHMARKS, values[:-1], strict=True))
    return {"label": f"paper: {model} {ROW_LABELS.get(row, row)}", "key": key, "scores": scores,
            "average": values[-1]}


def known_rows() -> list[str]:
    return [f"{model}/{row}" for model, rows in _ROWS.items() for row in rows]
