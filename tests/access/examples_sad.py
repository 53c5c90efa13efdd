"""Access example for the 专项附加扣除 import from the tax client's 正常工资薪金所得 file (sad_import_services.py)."""

from tests.access.examples import example
from tests.access.examples_hr import PAY, _employee


@example(PAY + "sad_import_services.import_sad_ytd")
def _(env):
    from erp_core.io.reading import Table
    from erp_core.masterdata.models_employees import Employee

    eid = _employee(env)
    with env.db.uow(readonly=True) as uow:
        code = uow.session.get(Employee, eid).code
    headers = ["工号", "*证件号码", "累计子女教育", "累计继续教育", "累计住房贷款利息", "累计住房租金", "累计赡养老人"]
    return {"table": Table(headers, [[code, "", "2000", "0", "0", "0", "0"]], "sad.csv"), "period": "2028-01"}
