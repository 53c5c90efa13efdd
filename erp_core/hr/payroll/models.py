"""Payroll tables: salary items (data), 五险一金 rates (per city and period, data), monthly inputs, the payroll run
(a business document on the kernel) and its payslips (工资条, one per employee and run)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.db.base import Base, Versioned, utc_column
from erp_core.db.types import Money, Quantity
from erp_core.documents.models import DocumentHeader, DocumentLine

# earning: taxable pay; tax_free: pay not taxed (免税收入); bonus: 全年一次性奖金; special: 专项附加扣除;
# other_deduction: 依法确定的其他扣除 (企业年金, 商业健康险, 个人养老金); after_tax: 税后扣款 (deducted from net pay);
# tax_relief: 减免税额 (e.g. 残疾人减征: the tax reduction of the month; 累计减免税额 lowers the cumulative tax)
ITEM_KINDS = ("earning", "tax_free", "bonus", "special", "other_deduction", "after_tax", "tax_relief")


class PayrollItem(Versioned, Base):  # 薪资项目 (data)
    __tablename__ = "payroll_item"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # a formula over other items' codes (e.g. "base_salary * 0.1 + position_allowance"): the item's amount is
    # computed each month (erp_core/hr/payroll/formula.py); None: a fixed (structure) or monthly-input item
    formula: Mapped[str | None] = mapped_column(String(500), nullable=True)


class InsuranceRate(Versioned, Base):  # 五险一金 费率 per city and period (data, editable by HR)
    __tablename__ = "hr_insurance_rate"
    __table_args__ = (UniqueConstraint("company_id", "city", "effective_from", "risk"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    city: Mapped[str] = mapped_column(String(40))
    effective_from: Mapped[dt.date] = mapped_column(Date)
    risk: Mapped[str] = mapped_column(String(20))
    base_min: Mapped[Decimal] = mapped_column(Money())
    base_max: Mapped[Decimal] = mapped_column(Money())
    employer_rate: Mapped[Decimal] = mapped_column(Quantity())
    employee_rate: Mapped[Decimal] = mapped_column(Quantity())
    employer_fixed: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    employee_fixed: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    rounding: Mapped[str] = mapped_column(String(10), default="fen")


class PayrollInput(Base):  # 月度薪资数据: one amount per employee, period and item (imported or entered)
    __tablename__ = "payroll_input"
    __table_args__ = (UniqueConstraint("company_id", "employee_id", "period", "item_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    period: Mapped[str] = mapped_column(String(7))
    item_code: Mapped[str] = mapped_column(String(40))
    amount: Mapped[Decimal] = mapped_column(Money())
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = utc_column()


class PayrollRun(DocumentHeader, Base):  # 工资表 / 薪资计算单 (document; department_id = a department's run)
    __tablename__ = "payroll_run"
    __document_line__ = "PayrollRunLine"

    # 补发/补扣: a supplementary run of the same period names the period's regular run (None: a regular run)
    supplement_of_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class PayrollRunLine(DocumentLine, Base):  # one line per employee: quantity 1, amount = gross pay
    __tablename__ = "payroll_run_line"
    __document_header__ = "PayrollRun"
    __header_table__ = "payroll_run"

    employee_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Payslip(Base):  # 工资条: the computed figures of one employee in one run
    __tablename__ = "payslip"
    __table_args__ = (UniqueConstraint("run_id", "employee_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("payroll_run.id", ondelete="CASCADE"), index=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), index=True)
    period: Mapped[str] = mapped_column(String(7), index=True)
    department_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    expense_kind: Mapped[str] = mapped_column(String(12), default="admin")
    gross_pay: Mapped[Decimal] = mapped_column(Money())  # 应发
    taxable_income: Mapped[Decimal] = mapped_column(Money())  # wages in the cumulative method this month
    tax_free_income: Mapped[Decimal] = mapped_column(Money())
    bonus: Mapped[Decimal] = mapped_column(Money())  # 全年一次性奖金 (taxed separately when bonus_separate)
    bonus_separate: Mapped[bool] = mapped_column(Boolean, default=False)
    insurance_base: Mapped[Decimal] = mapped_column(Money())
    employer_si: Mapped[Decimal] = mapped_column(Money())
    employee_si: Mapped[Decimal] = mapped_column(Money())
    employer_hf: Mapped[Decimal] = mapped_column(Money())
    employee_hf: Mapped[Decimal] = mapped_column(Money())
    special_deductions: Mapped[Decimal] = mapped_column(Money())  # 专项附加扣除 this month
    other_deductions: Mapped[Decimal] = mapped_column(Money())
    months_employed: Mapped[int] = mapped_column(Integer)
    basic_deduction: Mapped[Decimal] = mapped_column(Money())  # 累计减除费用
    cumulative_income: Mapped[Decimal] = mapped_column(Money())
    cumulative_taxable: Mapped[Decimal] = mapped_column(Money())  # 累计预扣预缴应纳税所得额
    cumulative_withheld: Mapped[Decimal] = mapped_column(Money())  # incl. this month (wages)
    iit_wages: Mapped[Decimal] = mapped_column(Money())
    iit_bonus: Mapped[Decimal] = mapped_column(Money())
    iit_withheld: Mapped[Decimal] = mapped_column(Money())  # iit_wages + iit_bonus
    after_tax_deductions: Mapped[Decimal] = mapped_column(Money())
    # 扣回: what this payslip takes back of pay a posted 补扣 left owed (其他应收款), after tax, never below zero net
    recovery: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0), server_default=text("0"))
    tax_relief: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0), server_default=text("0"))  # 减免税额
    net_pay: Mapped[Decimal] = mapped_column(Money())  # 实发 (negative on a 补扣: the employee owes it back)
    items_json: Mapped[str] = mapped_column(Text, default="{}")  # item code -> amount, as computed


class PayrollPayment(Base):  # 工资发放: the net pay of a posted run paid from the bank (one voucher)
    __tablename__ = "payroll_payment"
    __table_args__ = (UniqueConstraint("run_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("payroll_run.id"))
    voucher_id: Mapped[int] = mapped_column(Integer)
    pay_date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money())
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = utc_column()


class PayrollRepayment(Base):  # 职工退回多发工资: an employee pays back what a 补扣 left owed (one voucher)
    __tablename__ = "payroll_repayment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), index=True)
    pay_date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money())
    voucher_id: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = utc_column()


REMITTANCE_KINDS = ("social", "housing", "iit")  # 社会保险费, 住房公积金, 代扣个人所得税


class PayrollRemittance(Base):  # 缴纳社保/公积金/个税: one period's contributions or withheld IIT paid (one voucher)
    __tablename__ = "payroll_remittance"
    __table_args__ = (UniqueConstraint("company_id", "period", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    period: Mapped[str] = mapped_column(String(7))
    kind: Mapped[str] = mapped_column(String(10))
    voucher_id: Mapped[int] = mapped_column(Integer)
    pay_date: Mapped[dt.date] = mapped_column(Date)
    employer_amount: Mapped[Decimal] = mapped_column(Money())
    employee_amount: Mapped[Decimal] = mapped_column(Money())
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = utc_column()
