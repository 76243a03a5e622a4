"""Typing stubs of models: TypedDicts that mypy --strict accepts, and that catch a wrong
value type in a user's program."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from odoo_async import Client
from odoo_async.stubs import class_name, generate_stubs, render_stubs
from odoo_async.testing import FakeOdoo

PROGRAM = '''
import datetime

from odoo_models import ResPartnerValues, SaleOrderValues

partner: ResPartnerValues = {"name": "Jane", "country_id": 20, "is_company": False,
                             "category_id": [(6, 0, [1, 2])], "comment": None}
order: SaleOrderValues = {"partner_id": 9, "state": "draft",
                          "date_order": datetime.datetime.now(datetime.timezone.utc),
                          "validity_date": datetime.date(2027, 1, 1)}
'''
WRONG = '''
from odoo_models import ResPartnerValues, SaleOrderValues

partner: ResPartnerValues = {"name": 42}
order: SaleOrderValues = {"state": "shipped"}
'''


@pytest.mark.slow
async def test_stubs_of_the_fakes_models_pass_mypy_and_catch_mistakes(
        fake_odoo: FakeOdoo, tmp_path: Path) -> None:
    pytest.importorskip("mypy", reason="mypy is in the dev extra")
    async with Client(fake_odoo.url, fake_odoo.api_key) as odoo:
        text = await generate_stubs(odoo, ["res.partner", "sale.order"])
    assert "class ResPartnerValues(TypedDict, total=False):" in text
    assert "    country_id: int | Recordset | Literal[False] | None" in text
    (tmp_path / "odoo_models.pyi").write_text(text)
    (tmp_path / "good.py").write_text(PROGRAM)
    (tmp_path / "bad.py").write_text(WRONG)

    def mypy(name: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental",
                               name], cwd=tmp_path, capture_output=True, text=True,
                              check=False)

    good = mypy("good.py")
    assert good.returncode == 0, good.stdout
    bad = mypy("bad.py")
    assert bad.returncode == 1
    assert 'bad.py:4: error: Incompatible types (expression has type "Literal[42]"' \
        in bad.stdout  # the name is text
    assert 'bad.py:5: error: Incompatible types (expression has type "Literal[\'shipped\']"' \
        in bad.stdout  # not a state of sale.order


def test_rendering_is_pure_and_handles_odd_names() -> None:
    assert class_name("sale.order.line") == "SaleOrderLineValues"
    text = render_stubs({"x.thing": {"class": {"type": "char"}, "ok": {"type": "integer"}}})
    assert "XThingValues = TypedDict('XThingValues', {" in text  # a keyword as a field
    assert "    'class': str | Literal[False] | None," in text
    with pytest.raises(ValueError, match="invalid model name"):
        render_stubs({"bad/model": {}})


@pytest.mark.slow
def test_the_command_writes_stubs_from_the_fake(tmp_path: Path) -> None:
    out = tmp_path / "models.pyi"
    done = subprocess.run([sys.executable, "-m", "odoo_async", "stubs", "res.country",
                           "--fake", "-o", str(out)], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert "class ResCountryValues(TypedDict, total=False):" in out.read_text()
