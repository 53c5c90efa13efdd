"""HR and payroll (人事与薪资): employee files, payroll (累计预扣法 IIT, 五险一金), payroll runs posted to the books.

Subpackages (DESIGN.md "Lessons written down"): ``employees`` (HR details of masterdata employees),
``payroll`` (tax and contribution rules, the payroll run document, payslips, outputs)."""
