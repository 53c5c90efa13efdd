"""Locale-aware formatting and error rendering: what a Chinese and an English reader see."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from erp_core.i18n import normalize_locale, render_error, t
from erp_core.i18n.format import format_date, format_datetime, format_money, format_number
from erp_core.kernel.errors import (
    ConcurrencyError,
    DomainError,
    InvalidTransition,
    PermissionDenied,
    ValidationError,
    ValidationErrors,
)


@pytest.mark.parametrize(("value", "locale", "expected"), [
    (Decimal("1234.5"), "zh_CN", "¥1,234.50"),
    (Decimal("1234.5"), "en", "¥1,234.50"),
    (Decimal("-1234.5"), "zh_CN", "-¥1,234.50"),
    (Decimal("-0.004"), "en", "¥0.00"),
    (Decimal("0.005"), "zh_CN", "¥0.01"),
    ("9999999999999.99", "zh_CN", "¥9,999,999,999,999.99"),
    (0, "en", "¥0.00"),
])
def test_format_money(value, locale, expected):
    assert format_money(value, locale) == expected


def test_format_money_other_currencies_and_refuses_float():
    assert format_money(Decimal("12"), "en", "USD") == "$12.00"
    assert format_money(Decimal("12"), "en", "GBP") == "GBP 12.00"
    with pytest.raises(TypeError):
        format_money(12.5, "en")  # type: ignore[arg-type]


def test_format_number():
    assert format_number(Decimal("1234567.125"), "zh_CN") == "1,234,567.125"
    assert format_number(Decimal("1234.5"), "en", decimals=2) == "1,234.50"
    assert format_number(Decimal("3.000001"), "en") == "3.000001"  # quantities keep their decimals
    assert format_number(5, "en", decimals=0) == "5"


def test_format_date():
    day = dt.date(2026, 11, 24)
    assert format_date(day, "zh_CN") == "2026年11月24日"
    assert format_date(day, "en") == "Nov 24, 2026"


def test_format_datetime_shows_the_readers_time_zone():
    stored = dt.datetime(2026, 11, 24, 17, 30, 5)  # naive UTC, as stored
    assert format_datetime(stored, "zh_CN") == "2026年11月25日 01:30:05"  # Beijing is UTC+8
    assert format_datetime(stored, "en", time_zone="UTC") == "Nov 24, 2026 17:30:05"
    aware = dt.datetime(2026, 11, 24, 17, 30, 5, tzinfo=dt.UTC)
    assert format_datetime(aware, "en") == "Nov 25, 2026 01:30:05"


@pytest.mark.parametrize(("given", "expected"), [
    (None, "zh_CN"), ("", "zh_CN"), ("zh_CN", "zh_CN"), ("zh", "zh_CN"), ("en", "en"), ("en_US", "en"),
    ("EN", "en"), ("fr", "zh_CN"),
])
def test_normalize_locale(given, expected):
    assert normalize_locale(given) == expected


def test_t_fills_parameters_and_shows_unknown_keys():
    assert t("error.permission_denied", "en", permission="x.y.z") == \
        "You do not have permission to do this (x.y.z)"
    assert "x.y.z" in t("error.permission_denied", "zh_CN", permission="x.y.z")
    assert t("no.such.key", "en") == "no.such.key"
    assert "{permission}" in t("error.permission_denied", "en")  # a missing parameter stays visible


def test_errors_render_in_each_language_with_translated_field_names():
    err = ValidationError("error.required", field="field.company.name")
    zh, en = render_error(err, "zh_CN"), render_error(err, "en")
    assert t("field.company.name", "zh_CN") in zh and "field.company.name" not in zh
    assert t("field.company.name", "en") in en and "field.company.name" not in en
    assert zh != en


def test_many_validation_errors_render_as_a_list():
    errs = ValidationErrors([ValidationError("error.required", field="field.company.name"),
                             ValidationError("error.required", field="field.company.tax_id")])
    en = render_error(errs, "en")
    lines = en.splitlines()
    assert lines[0] == t("error.validation.many", "en", count=2)
    assert len(lines) == 3 and all(line.startswith("• ") for line in lines[1:])
    assert t("field.company.tax_id", "en") in lines[2]
    assert t("field.company.tax_id", "zh_CN") in render_error(errs, "zh_CN")


@pytest.mark.parametrize("err", [
    DomainError(), PermissionDenied(permission="sales.order.confirm"), ConcurrencyError(),
    InvalidTransition(workflow="w", state="draft", action="ship"),
])
def test_kernel_errors_have_messages_in_both_languages(err):
    for loc in ("zh_CN", "en"):
        text = render_error(err, loc)
        assert text and not text.startswith("error.") and "{" not in text


def test_domain_error_carries_id_and_params():
    err = PermissionDenied(permission="a.b.c")
    assert err.message_id == "error.permission_denied" and err.params == {"permission": "a.b.c"}
    assert ValidationError(field="field.x").field == "field.x"
