"""员工档案: the HR details of masterdata employees (ID number, bank account, contract, payroll settings) and
their dated status history (入职, 转正, 调岗, 调薪, 离职)."""
