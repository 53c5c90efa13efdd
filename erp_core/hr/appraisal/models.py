"""Appraisal tables: templates (KPIs with weights, as JSON data), cycles (a template over a period, the grade
bands and the optional payroll item with an amount per grade) and one appraisal per employee and cycle."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.db.base import Base, Versioned, utc_column
from erp_core.db.types import Quantity

CYCLE_KINDS = ("monthly", "quarterly", "annual")
# self_review (员工自评) -> manager_review (上级评分) -> calibration (校准) -> done (结果确定)
APPRAISAL_STATES = ("self_review", "manager_review", "calibration", "done")
# 360° raters besides the manager: 同事, 下属, 其他上级, 客户, 其他
RATER_RELATIONS = ("peer", "subordinate", "superior", "customer", "other")


class AppraisalTemplate(Versioned, Base):  # 考核模板: KPIs with weights
    __tablename__ = "hr_appraisal_template"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    kpis_json: Mapped[str] = mapped_column(Text, default="[]")  # [{"name": ..., "weight": "0.4"}, ...]
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class AppraisalCycle(Versioned, Base):  # 考核周期
    __tablename__ = "hr_appraisal_cycle"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("hr_appraisal_template.id"))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(12))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | closed
    kpis_json: Mapped[str] = mapped_column(Text, default="[]")  # the template's KPIs when the cycle opened
    grades_json: Mapped[str] = mapped_column(Text, default="[]")  # [["A", "90"], ["B", "80"], ..., ["E", "0"]]
    pay_item_code: Mapped[str | None] = mapped_column(String(40), nullable=True)  # e.g. performance_pay
    pay_amounts_json: Mapped[str] = mapped_column(Text, default="{}")  # grade -> amount of the item
    applied_period: Mapped[str | None] = mapped_column(String(7), nullable=True)  # the payroll month it fed
    # 强制分布: grade -> the largest share of the cycle's appraisals it may hold, e.g. {"A": "0.2", "B": "0.3"}
    quotas_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = utc_column()


class Appraisal(Versioned, Base):  # 考核表: one employee in one cycle
    __tablename__ = "hr_appraisal"
    __table_args__ = (UniqueConstraint("cycle_id", "employee_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("hr_appraisal_cycle.id"), index=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="self_review")
    self_scores_json: Mapped[str] = mapped_column(Text, default="[]")
    manager_scores_json: Mapped[str] = mapped_column(Text, default="[]")
    self_score: Mapped[Decimal | None] = mapped_column(Quantity(), nullable=True)
    manager_score: Mapped[Decimal | None] = mapped_column(Quantity(), nullable=True)
    final_score: Mapped[Decimal | None] = mapped_column(Quantity(), nullable=True)
    # 360°: the manager's score and the raters' scores weighted (set at calibration when the appraisal has raters)
    score_360: Mapped[Decimal | None] = mapped_column(Quantity(), nullable=True)
    grade: Mapped[str | None] = mapped_column(String(4), nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    reviewed_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    calibrated_by: Mapped[int | None] = mapped_column(Integer, nullable=True)


class AppraisalRater(Base):  # 360° 评价人: a colleague asked to score one appraisal, with the weight of their score
    __tablename__ = "hr_appraisal_rater"
    __table_args__ = (UniqueConstraint("appraisal_id", "rater_employee_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    appraisal_id: Mapped[int] = mapped_column(ForeignKey("hr_appraisal.id"), index=True)
    rater_employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), index=True)
    relation: Mapped[str] = mapped_column(String(12))
    weight: Mapped[Decimal] = mapped_column(Quantity())  # share of the final score; the manager keeps 1 - sum
    scores_json: Mapped[str] = mapped_column(Text, default="[]")
    score: Mapped[Decimal | None] = mapped_column(Quantity(), nullable=True)  # weighted over the KPIs
    submitted_at: Mapped[dt.datetime | None] = utc_column(nullable=True, default=None)
