"""Rows for ledger files, in the template's column order."""

from __future__ import annotations

import datetime as dt
import io

from kangfu.ledger.columns import KEYS
from kangfu.ledger.template import workbook_bytes
from kangfu.people import idnumber

DEFAULTS = {
    "name": "陈晓东",
    "sex": "男",
    "phone": "13698765432",
    "hukou_place": "示范省东川市城关区",
    "residence_place": "示范省东川市城关区城东街道",
    "address": "人民路 12 号",
    "measure_kind": "社区戒毒",
    "deciding_authority": "东川市公安局城关分局",
    "decided_on": "2026-06-01",
    "received_on": "2026-06-03",
    "reported_on": "2026-06-10",
    "risk_category": "中",
    "assessed_on": "2026-06-15",
    "tests": "2026-07-10 尿检 阴性；2026-08-10 尿检 阴性",
}


def id_number(n: int, sex: str = "男") -> str:
    birth = dt.date(1970, 1, 1) + dt.timedelta(days=n % 12000)
    return idnumber.make("520102", birth, 100 + (n // 12000) * 2 + (1 if sex == "男" else 0))


def row(n: int, **values) -> list:
    data = {**DEFAULTS, "id_number": id_number(n), "decision_number": f"公(禁)决字〔2026〕{n}号"}
    data.update(values)
    return [data.get(key, "") for key in KEYS]


def rows(count: int, start: int = 1) -> list[list]:
    return [row(n) for n in range(start, start + count)]


def ledger(rows_: list[list], **kwargs) -> io.BytesIO:
    return io.BytesIO(workbook_bytes(rows_, **kwargs))
