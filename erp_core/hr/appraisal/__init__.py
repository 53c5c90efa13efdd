"""Performance appraisal (绩效考核): templates of weighted KPIs, cycles, self review -> manager review ->
calibration, scores and grades, and the grade's optional amount of a payroll item (绩效工资)."""
