"""``standard=`` of the statements API names a layout file: only the known accounting standards pass (issue 11
item 15). A path-like value was joined into the file name (db/seed/statements/<standard>_<statement>.toml), so
"../../x" read a file outside the seed folder; now every unknown value is a ValidationError naming the field,
raised before any path is built. The chart loader (finance.charts.load_chart), which names its file the same way,
follows the same rule."""

from __future__ import annotations

import pytest

from erp_core.analytics import queries
from erp_core.analytics.statements import load_layout
from erp_core.finance.charts import load_chart
from erp_core.kernel.errors import ValidationError, ValidationErrors
from tests.support.factories import admin_actor

BAD = ["../../../etc/passwd", "../statements/enterprise", "enterprise/../enterprise", "ENTERPRISE", " enterprise",
       "small_business\x00", "x" * 300]


@pytest.mark.parametrize("standard", BAD)
def test_reports_api_refuses_an_unknown_standard(db, company, books, standard):
    admin = admin_actor(db, company)
    for call in (lambda: queries.balance_sheet(db, admin, period="2026-01", standard=standard),
                 lambda: queries.income_statement(db, admin, period="2026-01", standard=standard),
                 lambda: queries.statement_line_accounts(db, admin, statement="balance_sheet", period="2026-01",
                                                         line_no=1, standard=standard)):
        with pytest.raises(ValidationError) as err:
            call()
        assert (err.value.message_id, err.value.params["field"]) == ("error.choice", "field.reports.standard")


def test_known_standards_still_load(db, company, books):
    admin = admin_actor(db, company)
    for standard in ("small_business", "enterprise"):
        assert not queries.balance_sheet(db, admin, period="2026-01", standard=standard).empty
        assert load_layout(standard, "income_statement").standard == standard
        assert load_chart(standard)[1]


def test_layout_and_chart_loaders_refuse_what_is_not_a_known_name(tmp_path):
    (tmp_path / "evil_balance_sheet.toml").write_text('standard = "x"\nstatement = "y"\nline = []\n')
    with pytest.raises(ValidationError):
        load_layout("evil", "balance_sheet", tmp_path)  # a file that exists but is no known standard
    with pytest.raises(ValidationErrors) as err:
        load_layout("../x", "../../y")
    assert [e.params["field"] for e in err.value.errors] == ["field.reports.standard", "field.reports.statement"]
    for bad in ("../../db/seed/charts/enterprise", None, "enterprise.toml"):
        with pytest.raises(ValidationError) as one:
            load_chart(bad)
        assert one.value.params["field"] == "field.company.accounting_standard"
