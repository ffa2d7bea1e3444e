"""The ledger (台账) template: its columns, in order, with the Chinese headers offices use.

The headers are the file's contract, not page text: they stay Chinese whatever language the
page is shown in, so a file filled in under either language imports the same.
"""

from __future__ import annotations

from dataclasses import dataclass

SHEET = "台账"
HELP_SHEET = "说明"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    example: str
    help: str


COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", True, "陈晓东", "全名，至少两个字"),
    Column(
        "id_number",
        "公民身份号码",
        True,
        "",
        "18 位（或 15 位旧号码），按 GB 11643 校验；末位 X 大小写均可",
    ),
    Column("sex", "性别", False, "男", "男 或 女；不填则取自身份号码"),
    Column("birth_date", "出生日期", False, "", "YYYY-MM-DD；不填则取自身份号码"),
    Column("phone", "联系电话", False, "13698765432", "11 位手机号，或带区号的固定电话"),
    Column("hukou_place", "户籍地", True, "示范省东川市城关区", "省市县（区）"),
    Column("residence_place", "居住地", False, "示范省东川市城关区城东街道", ""),
    Column("address", "详细住址", False, "人民路 12 号", ""),
    Column("caseworker", "社工账号", False, "", "本乡镇（街道）禁毒社工的登录名；不填则不指定"),
    Column("measure_kind", "措施类型", False, "社区戒毒", "社区戒毒 或 社区康复；不填则只登记人员"),
    Column("decision_number", "决定书文号", False, "公(禁)决字〔2026〕101号", "同一文号只导入一次"),
    Column("deciding_authority", "决定机关", False, "东川市公安局城关分局", ""),
    Column("decided_on", "决定日期", False, "2026-06-01", "YYYY-MM-DD"),
    Column("received_on", "收到决定日期", False, "2026-06-03", "YYYY-MM-DD"),
    Column("reported_on", "报到日期", False, "2026-06-10", "YYYY-MM-DD；不填则为待报到"),
    Column("late_reason", "逾期报到理由", False, "", "超过报到期限时必填"),
    Column("term_months", "康复期限（月）", False, "", "仅社区康复填写，最长 36"),
    Column("risk_category", "风险等级", False, "中", "高、中 或 低；执行措施期间不得为低"),
    Column("assessed_on", "评估日期", False, "2026-06-15", "填写风险等级时必填"),
    Column(
        "tests",
        "既往检测",
        False,
        "2026-07-10 尿检 阴性；2026-08-10 尿检 阴性",
        "每次：日期 样本（尿检、唾液、毛发） 结果（阴性、阳性），用分号隔开",
    ),
)
HEADERS = tuple(c.header for c in COLUMNS)
BY_KEY = {c.key: c for c in COLUMNS}
KEYS = tuple(c.key for c in COLUMNS)

SEX = {"男": "M", "女": "F", "M": "M", "F": "F"}
MEASURE_KINDS = {"社区戒毒": "community_treatment", "社区康复": "community_recovery"}
CATEGORIES = {"高": "high", "中": "medium", "低": "low", "高风险": "high", "中风险": "medium"}
CATEGORIES["低风险"] = "low"
SAMPLES = {"尿检": "urine", "尿液": "urine", "唾液": "saliva", "毛发": "hair"}
RESULTS = {"阴性": "negative", "阳性": "positive"}


def header_of(key: str) -> str:
    """The column header a field's problem is reported under (services key their errors
    by form field; those that are not a column fall back to the nearest one)."""
    aliases = {
        "kind": "measure_kind",
        "term_months": "term_months",
        "category": "risk_category",
        "taken_on": "tests",
        "co_managing": "hukou_place",
        "opened_on": "received_on",
        "township": "name",
    }
    key = aliases.get(key, key)
    column = BY_KEY.get(key)
    return column.header if column else ""
