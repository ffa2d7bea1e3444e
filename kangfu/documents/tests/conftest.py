"""Helpers for document tests: a reported measure with its agreement, and uploads."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.test import override_settings

from kangfu.cases import services as cases

NOW = "2026-11-24 10:00 +0800"


@pytest.fixture(autouse=True)
def document_root(tmp_path):
    """Each test stores its files in a folder of its own."""
    with override_settings(KANGFU_DOCUMENT_ROOT=tmp_path / "documents"):
        yield tmp_path / "documents"


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def reported_case(worker, person, *, agreement: bool = True):
    """A case whose 社区戒毒 measure was reported on 2026-03-05, with its agreement drawn up."""
    case = cases.case_open(
        actor=worker, person=person, responsible=person.township, opened_on=dt.date(2026, 3, 1)
    )
    measure = cases.measure_record_decision(
        actor=worker,
        case=case,
        kind="community_treatment",
        decision_number="东公(禁)决字〔2026〕3号",
        deciding_authority="东川市公安局城关分局",
        decided_on=dt.date(2026, 2, 27),
        received_on=dt.date(2026, 3, 1),
    )
    cases.measure_report(actor=worker, measure=measure, reported_on=dt.date(2026, 3, 5))
    if agreement:
        cases.agreement_draw_up(actor=worker, measure=measure, category="medium")
    return case


@pytest.fixture
def case_a(frozen, personas, people):
    return reported_case(personas.worker_a, people.in_a)


class Upload(io.BytesIO):
    """A file as a form hands it over: bytes, a name and a declared size."""

    def __init__(self, data: bytes, name: str = "scan.pdf", size: int | None = None):
        super().__init__(data)
        self.name = name
        self.size = len(data) if size is None else size


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
