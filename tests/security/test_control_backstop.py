"""The use-case wrapper's backstop for control characters (issue #11 item 14): a text argument that no field
validator looked at must not carry a NUL (PostgreSQL's driver refused it with a raw DataError; SQLite stored it) or
another control character into the database. Refused with the field named, nothing written. Storage tests: run on
every configured backend."""

import pytest

from erp_core.i18n import has
from erp_core.kernel.errors import ValidationError
from erp_core.kernel.text import control_chars_in
from erp_core.security.user_services import create_user, list_users, update_user
from tests.security.helpers import PASSWORD, setup_company


@pytest.mark.parametrize("bad", ["李\x00雷", "李\x1b雷", "李\u202e雷"])
def test_a_control_character_in_an_unvalidated_field_is_refused_and_nothing_is_written(db, bad, company):
    _, admin = setup_company(db, company)
    before = {u.username for u in list_users(db, admin)}
    with pytest.raises(ValidationError) as caught:
        create_user(db, admin, username="li.lei", display_name=bad, password=PASSWORD)
    assert caught.value.message_id == "error.text.control_char"
    field = caught.value.params["field"]  # a catalog field label, so the message names it in the reader's language
    assert field.startswith("field.") and field.endswith(".display_name") and has(field)
    assert caught.value.params["char"] == f"U+{ord(bad[1]):04X}"
    assert {u.username for u in list_users(db, admin)} == before


def test_an_edit_carrying_a_nul_changes_nothing(db, company):
    _, admin = setup_company(db, company)
    uid = create_user(db, admin, username="li.lei", display_name="李雷", password=PASSWORD)
    row = next(u for u in list_users(db, admin) if u.id == uid)
    with pytest.raises(ValidationError):
        update_user(db, admin, user_id=uid, display_name="李\x00雷", email=None, phone=None, department_id=None,
                    version=row.version)
    assert next(u for u in list_users(db, admin) if u.id == uid).display_name == "李雷"


def test_line_breaks_and_tabs_are_left_to_the_field_validators():
    assert list(control_chars_in({"address": "北京\n海淀\t1号", "lines": [{"summary": "a\x00"}]}, "values")) == [
        ("summary", "\x00")]
    assert list(control_chars_in(b"\x00", "content")) == []  # files are read by the import checks
