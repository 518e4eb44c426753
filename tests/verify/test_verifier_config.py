"""conf/verifier options validate against the schema and build a Verifier; feedback wording checks."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from omegaconf import OmegaConf

from codeio.schema import build
from codeio.verify import Verifier, VerifyItem
from codeio.verify.config import SCHEMAS
from codeio.verify.feedback import ALLOWED_FIELDS, load_feedback_templates

CONF = Path(__file__).resolve().parents[2] / "conf" / "verifier"


def compose(option: str, **overrides):
    data = yaml.safe_load((CONF / f"{option}.yaml").read_text())
    defaults = data.pop("defaults")
    schema = SCHEMAS["verifier"][defaults[0]]
    cfg = OmegaConf.merge(OmegaConf.structured(schema), data, overrides)
    return OmegaConf.to_object(cfg)  # runs the schema's checks


@pytest.mark.parametrize("option", sorted(p.stem for p in CONF.glob("*.yaml")))
def test_option_builds(option):
    verifier = build(compose(option))
    assert isinstance(verifier, Verifier)
    assert verifier.rel_tol == 1e-3 and verifier.timeout == 5.0


def test_typos_and_bad_values_fail():
    with pytest.raises(Exception, match="rel_tl"):
        compose("default", rel_tl=0.1)
    with pytest.raises(Exception, match="rel_tol"):
        compose("default", rel_tol=-1.0)


def test_bundled_feedback_covers_every_case():
    templates = load_feedback_templates()
    assert set(templates) == set(ALLOWED_FIELDS)


def test_feedback_override_and_file(tmp_path):
    path = tmp_path / "fb.yaml"
    path.write_text(yaml.safe_dump({"output_mismatch": 'Nope: {answer} is wrong. Format {"output": x}'}))
    verifier = build(compose("default", feedback_file=str(path), feedback={"output_success": "Yes ({answer})."}))
    item = VerifyItem("def main_solution():\n    return 1\n", "main_solution", "output", "{}", "1",
                      '{"output": 2}')
    assert verifier.verify_one(item).feedback == 'Nope: 2 is wrong. Format {"output": x}'
    item.response = '{"output": 1}'
    assert verifier.verify_one(item).feedback == "Yes (1)."


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"output_mismatch": "The right answer was {output}"}, "may use only"),
        ({"output_mismatch": "You got {actual}"}, "may use only"),  # no run for output prediction
        ({"no_such_message": "x"}, "unknown feedback message"),
    ],
)
def test_feedback_that_could_leak_or_is_unknown_is_refused(overrides, message):
    with pytest.raises(ValueError, match=message):
        Verifier(feedback=overrides)
