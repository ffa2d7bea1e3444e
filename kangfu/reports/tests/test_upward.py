"""The upward package: export, verify, import round-trip; any alteration refused."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kangfu.reports import upward
from kangfu.reports.models import ReceivedFigures, TrustedSender
from kangfu.reports.services import snapshot_backfill
from kangfu.reports.tests.conftest import TODAY, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def package_file(county, tmp_path):
    with at("2026-11-20"):
        snapshot_backfill(months=1, on=TODAY)
        call_command(
            "reports", "export", "--month", "2026-11", "--output", str(tmp_path / "p.json")
        )
    return tmp_path / "p.json"


def test_it_exports_only_suppressed_aggregates_down_to_county(package_file):
    package = json.loads(package_file.read_text())
    body = package["body"]
    assert body["sender"] == {"code": "520000", "name": "示范省"}
    assert [(n["code"], n["level"]) for n in body["nodes"]] == [
        ("520000", "province"),
        ("520100", "city"),
        ("520102", "county"),
        ("520103", "county"),
    ]
    county = body["nodes"][2]["values"]
    assert county["registered"] == "5"
    assert county["treatment"] == "<5"
    text = package_file.read_text()
    for secret in ("甲1", "城东街道", "person", "case"):
        assert secret not in text


def test_it_verifies_its_own_package(package_file, capsys):
    call_command("reports", "verify", str(package_file))
    assert "OK, signed by 示范省 (520000), month 2026-11, 4 nodes" in capsys.readouterr().out


def test_it_refuses_a_package_altered_after_signing(package_file):
    package = json.loads(package_file.read_text())
    package["body"]["nodes"][2]["values"]["registered"] = "50"
    package_file.write_text(json.dumps(package, ensure_ascii=False))
    with pytest.raises(CommandError, match="REFUSED: the signature does not match the contents"):
        call_command("reports", "verify", str(package_file))


def test_it_refuses_a_package_re_signed_with_another_key(package_file):
    package = json.loads(package_file.read_text())
    private, public = upward.keygen()
    key = upward.Ed25519PrivateKey.from_private_bytes(upward.base64.b64decode(private))
    package["body"]["nodes"][2]["values"]["registered"] = "50"
    package["signature"] = upward.base64.b64encode(
        key.sign(upward.canonical(package["body"]))
    ).decode()
    package["public_key"] = public
    package_file.write_text(json.dumps(package, ensure_ascii=False))
    with pytest.raises(CommandError, match="REFUSED: sender 520000 is not trusted here"):
        call_command("reports", "verify", str(package_file))


def test_it_imports_on_a_national_instance_that_trusts_the_sender(package_file, personas):
    package = json.loads(package_file.read_text())
    upward.trust_add(code="520000", name="示范省", public_key=package["public_key"])
    call_command("reports", "import", str(package_file), "--as", "admin")
    rows = {r.code: r for r in ReceivedFigures.objects.all()}
    assert set(rows) == {"520000", "520100", "520102", "520103"}
    assert rows["520102"].values["registered"] == "5"
    assert rows["520102"].parent_code == "520100"
    # Importing the same month again replaces it.
    call_command("reports", "import", str(package_file))
    assert ReceivedFigures.objects.count() == 4


def test_it_refuses_to_import_from_an_unknown_sender(package_file, settings):
    settings.KANGFU_REPORTS_SIGNING_KEY = ""  # another instance: its own key is not the sender's
    with pytest.raises(CommandError, match="REFUSED: sender 520000 is not trusted here"):
        call_command("reports", "import", str(package_file))
    assert not ReceivedFigures.objects.exists()
    assert not TrustedSender.objects.exists()


def test_it_refuses_a_signed_package_carrying_a_small_count(package_file):
    package = json.loads(package_file.read_text())
    package["body"]["nodes"][2]["values"]["treatment"] = "3"
    key = upward._private_key()
    package["signature"] = upward.base64.b64encode(
        key.sign(upward.canonical(package["body"]))
    ).decode()
    package_file.write_text(json.dumps(package, ensure_ascii=False))
    with pytest.raises(CommandError, match="a count below 5 is not suppressed"):
        call_command("reports", "verify", str(package_file))


def test_it_shows_a_national_supervisor_the_received_provinces_and_drills_down(
    client, package_file, tree
):
    from conftest import make_user, sign_in
    from kangfu.access.choices import Role

    package = json.loads(package_file.read_text())
    upward.trust_add(code="520000", name="示范省", public_key=package["public_key"])
    call_command("reports", "import", str(package_file))
    national = make_user("national", Role.SUPERVISOR, tree.nation)
    sign_in(client, national)
    page = client.get("/reports/received/").content.decode()
    assert "示范省" in page and 'href="/reports/received/520000/?month=2026-11"' in page
    page = client.get("/reports/received/520100/?month=2026-11").content.decode()
    assert "城关区" in page and "河口县" in page


def test_it_shows_received_figures_to_national_supervisors_only(client, package_file, personas):
    from conftest import sign_in

    sign_in(client, personas.supervisor)
    assert client.get("/reports/received/").status_code == 404
