"""The agreement: versions, and the A4 PDF in Chinese (text extracted with pdftotext)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext

from conftest import sign_in
from kangfu.access.models import AuditEvent
from kangfu.cases import services
from kangfu.cases.tests.conftest import day, decide, open_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def measure(personas, people):
    with time_machine.travel("2024-01-31 10:00 +0800", tick=False):
        case = open_case(personas.worker_a, people.in_a)
        measure = decide(personas.worker_a, case, received="2024-01-25")
        services.measure_report(
            actor=personas.worker_a, measure=measure, reported_on=day("2024-01-31")
        )
    measure.refresh_from_db()
    return measure


@time_machine.travel("2024-02-01 10:00 +0800", tick=False)
def test_it_makes_a_new_version_only_when_the_schedule_changes(personas, measure):
    first = services.agreement_draw_up(actor=personas.worker_a, measure=measure, category="medium")
    same = services.agreement_draw_up(actor=personas.worker_a, measure=measure, category="medium")
    assert same.pk == first.pk and first.version == 1
    assert first.content["schedule"] == [
        {"kind": "urine_test", "every_months": 2},
        {"kind": "hair_test", "every_months": 6},
        {"kind": "visit", "every_months": 2},
    ]
    # The clamped recurrence: 31 Jan -> 31 Mar -> 31 May ...
    assert first.content["dues"][0] == ["2024-03-31", "urine_test"]
    second = services.agreement_draw_up(actor=personas.worker_a, measure=measure, category="high")
    assert second.version == 2
    with pytest.raises(ValidationError):
        services.agreement_sign(
            actor=personas.worker_a, agreement=first, signed_on=day("2024-02-01")
        )
    services.agreement_sign(actor=personas.worker_a, agreement=second, signed_on=day("2024-02-01"))
    second.refresh_from_db()
    assert second.signed_on == day("2024-02-01")


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
@time_machine.travel("2024-02-01 10:00 +0800", tick=False)
def test_it_renders_the_agreement_pdf_in_chinese(client, personas, people, measure, tmp_path):
    agreement = services.agreement_draw_up(
        actor=personas.worker_a, measure=measure, category="medium"
    )
    sign_in(client, personas.worker_a)
    before = AuditEvent.objects.filter(action="print").count()
    response = client.get(f"/cases/{measure.case.public_id}/agreements/{agreement.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(action="print").count() == before + 1
    pdf = tmp_path / "agreement.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    compact = "".join(text.split())
    assert "张伟" in compact
    with translation.override("zh-hans"):
        # 社区戒毒协议 once the catalogue is translated; the same words as the template uses.
        title = gettext("Community drug treatment") + gettext("agreement")
    assert "".join(title.split()) in compact
    assert "尿检" in compact and "毛发检测" in compact and "走访" in compact
    assert "2024-03-31尿检" in compact
    assert "2024年1月31日" in compact and "2027年1月30日" in compact
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "595.276 x 841.89" in info  # A4 in points
    if shutil.which("pdftoppm"):
        # For a person to look at: test-results/agreement-page1.png.
        from pathlib import Path

        out = Path(__file__).resolve().parents[3] / "test-results"
        out.mkdir(exist_ok=True)
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-f",
                "1",
                "-l",
                "1",
                str(pdf),
                str(out / "agreement"),
            ],
            check=True,
        )


def _pdf_text(content: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        pdf.write(content)
        pdf.flush()
        return subprocess.run(
            ["pdftotext", pdf.name, "-"], capture_output=True, text=True, check=True
        ).stdout
