"""The audit log in words: stored facts become Chinese sentences, places by name."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from django.utils import translation

from kangfu.access.audit_text import FIELD_LABELS, attach_descriptions, describe, field_label
from kangfu.access.choices import AuditAction
from kangfu.access.models import AuditEvent

pytestmark = pytest.mark.django_db


def event(action=AuditAction.SEARCH, detail="", fields=(), object_type="people.person"):
    return AuditEvent(action=action, detail=detail, fields=list(fields), object_type=object_type)


def described(*events):
    with translation.override("zh-hans"):
        return [e.description for e in attach_descriptions(list(events))]


def test_it_tells_a_search_of_the_today_page_with_the_township_by_name(tree):
    (text,) = described(event(detail=f"query=today township={tree.a.pk} hits=12 page=1"))
    assert text == "查看“今日待办”页面，乡镇：城东街道，命中 12 条"


def test_it_names_filters_pages_and_the_data_shown(tree):
    (text,) = described(
        event(
            detail="query=name_prefix filters=sex,township hits=3 page=2",
            fields=("name", "sex", "birth_date", "township", "caseworker"),
        )
    )
    assert text == (
        "按姓名查找人员，筛选条件：性别、乡镇（街道），命中 3 条，第 2 页，"
        "涉及数据：姓名、性别、出生日期、乡镇（街道）、禁毒社工"
    )


def test_it_tells_statistics_exports_and_imports_with_place_names(tree):
    texts = described(
        event(AuditAction.READ, "dashboard level=county period=month:2026-11 node=520102"),
        event(AuditAction.EXPORT, "report pdf level=county period=quarter:2026Q4 node=520102"),
        event(AuditAction.READ, "received code=520100 period=month:2026-11 node=100000"),
        event(AuditAction.CREATE, "import sender=520000 month=2026-11 nodes=4 sha256=aaf47dcd"),
        event(detail="query=past_legal_end township=520102001 hits=1"),
    )
    assert texts == [
        "查看城关区 2026 年 11 月的统计数据",
        "导出城关区 2026 年第 4 季度的 PDF 报表",
        "查看收到的东川市 2026 年 11 月上报数据包",
        "导入示范省 2026 年 11 月的上报数据包（4 个地区）",
        "核查已过法定期限的案件，乡镇：城东街道，命中 1 条",
    ]


def test_it_reads_every_place_of_a_page_in_one_query(tree, django_assert_num_queries):
    events = [
        event(detail=f"query=today township={node.pk} hits={n} page=1")
        for n, node in enumerate([tree.a, tree.b, tree.c] * 20)
    ]
    events += [event(AuditAction.READ, f"dashboard period=month:2026-11 node={tree.county.code}")]
    with django_assert_num_queries(1):
        texts = described(*events)
    assert texts[1] == "查看“今日待办”页面，乡镇：城西街道，命中 1 条"
    assert texts[-1].startswith("查看城关区")


def test_it_labels_parts_of_records_and_keeps_an_unknown_fact_visible():
    with translation.override("zh-hans"):
        assert describe(event(AuditAction.UPDATE, fields=("measure.ends_on",))) == (
            "涉及数据：措施结束日期"
        )
        # A part without its own label takes the label of what contains it.
        assert describe(event(AuditAction.UPDATE, fields=("drug_test.new_part",))) == (
            "涉及数据：检测"
        )
        # A missing place, an unknown kind of fact: shown, never dropped.
        assert describe(event(detail="query=today township=999 hits=0")) == (
            "查看“今日待办”页面，乡镇：代码 999，命中 0 条"
        )
        assert describe(event(detail="something new=1")) == "something new=1"


def test_account_events_keep_their_own_sentence():
    detail = json.dumps({"u": "worker_a"})
    with translation.override("zh-hans"):
        text = describe(event(AuditAction.PASSWORD_CHANGE, detail, object_type="access.user"))
    assert "worker_a" in text and "{" not in text


def test_every_field_label_is_in_chinese():
    with translation.override("zh-hans"):
        english = [name for name, label in FIELD_LABELS.items() if str(label).isascii()]
    assert english == []


def _audited_field_names() -> set[str]:
    """The field names written literally into audit calls anywhere in Kangfu's code."""
    names = set()
    for path in Path(kangfu_root()).rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            called = getattr(node, "func", None)
            name = getattr(called, "id", None) or getattr(called, "attr", None) or ""
            if not isinstance(node, ast.Call) or "audit" not in name:
                continue
            for arg in [*node.args, *(k.value for k in node.keywords if k.arg == "fields")]:
                if isinstance(arg, ast.Tuple | ast.List):
                    names.update(
                        e.value
                        for e in arg.elts
                        if isinstance(e, ast.Constant) and isinstance(e.value, str)
                    )
    return names


def kangfu_root() -> Path:
    return Path(__file__).resolve().parents[2]


def test_every_field_name_the_code_audits_has_a_label():
    names = _audited_field_names()
    assert len(names) > 50
    assert sorted(n for n in names if field_label(n) == n) == []
