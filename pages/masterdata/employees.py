"""Employees (职员): identity and department."""

from erp_core.io.export_queries import export_employees
from erp_core.masterdata import employees_queries, employees_services
from erp_core.masterdata.custom_fields_services import employee_fields
from erp_core.masterdata.employees_services import EMPLOYEE
from ui.masterdata_views import RecordScreen, render

render(RecordScreen(
    kind=EMPLOYEE, title="nav.masterdata.employees", id_param="employee_id",
    list_q=employees_queries.list_employees, get_q=employees_queries.get_employee,
    create=employees_services.create_employee, edit=employees_services.edit_employee,
    set_active=employees_services.set_employee_active, export_q=export_employees, fields_q=employee_fields,
    refs_q=employees_queries.employee_references,
    default_columns=("code", "name", "department", "position", "phone", "hire_date", "active"),
))
