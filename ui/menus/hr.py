"""HR and payroll in the navigation: employee files, payroll runs, payroll setup, and everyone's own payslips."""

from ui.nav import PageSpec

G = "nav.group.hr"

PAGES = [
    PageSpec(file="pages/hr/dashboard.py", title="nav.hr.dashboard", group=G, any_of=("hr.dashboard.read",),
             icon=":material/monitoring:", order=5),
    PageSpec(file="pages/hr/employees.py", title="nav.hr.employees", group=G, any_of=("hr.profile.read",),
             icon=":material/badge:", order=10),
    PageSpec(file="pages/hr/attendance.py", title="nav.hr.attendance", group=G,
             any_of=("hr.attendance.read",), icon=":material/schedule:", order=15),
    PageSpec(file="pages/hr/payroll_runs.py", title="nav.hr.payroll_runs", group=G, any_of=("hr.payroll.read",),
             icon=":material/payments:", order=20),
    PageSpec(file="pages/hr/payroll_setup.py", title="nav.hr.payroll_setup", group=G, any_of=("hr.setup.read",),
             icon=":material/tune:", order=30),
    PageSpec(file="pages/hr/appraisal.py", title="nav.hr.appraisal", group=G,
             any_of=("hr.appraisal.own", "hr.appraisal.read"), icon=":material/grading:", order=35),
    PageSpec(file="pages/hr/my_payslips.py", title="nav.hr.my_payslips", group=G, any_of=("hr.payslip.own",),
             icon=":material/receipt:", order=40),
]
