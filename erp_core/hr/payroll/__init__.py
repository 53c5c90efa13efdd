"""Payroll (薪资): 累计预扣法 IIT (iit.py), 五险一金 (insurance.py), the payroll run document and its posting."""
