"""The admin is not a back door (issue 12, part 5): every admin write goes through the
services, case-reading roles need a second administrator, nobody grants themselves a role,
resets of another account need four eyes, and all of it is on the audit page."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD, make_user, sign_in
from kangfu.access.choices import AuditAction, Level, RequestStatus, ResetKind, Role
from kangfu.access.models import (
    AccountResetRequest,
    AuditEvent,
    Grant,
    GrantRequest,
    Jurisdiction,
    User,
)
from kangfu.access.services import (
    account_reset_approve,
    account_reset_request,
    grant_approve,
    grant_refuse,
    grant_request,
    grant_revoke,
)

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)
AUDIT = "/people/audit/"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def admins(personas, tree):
    """Two administrators over the province, so four eyes can be tested; plus the nation's."""
    return (
        make_user("admin_one", Role.ADMINISTRATOR, tree.province, is_staff=True, is_superuser=True),
        make_user("admin_two", Role.ADMINISTRATOR, tree.province, is_staff=True, is_superuser=True),
    )


def fresh(user: User) -> User:
    """The account as the database holds it now (grants are cached per user object)."""
    return User.objects.get(pk=user.pk)


def audit_page(client, user) -> str:
    sign_in(client, user)
    response = client.get(AUDIT)
    assert response.status_code == 200
    return response.content.decode()


# --- the jurisdiction tree ---------------------------------------------------------------


def test_it_refuses_in_the_admin_a_node_that_skips_a_level(client, admins, tree):
    sign_in(client, admins[0])
    response = client.post(
        reverse("admin:access_jurisdiction_add"),
        {"code": "520104001", "name": "跳级", "level": Level.TOWNSHIP, "parent": tree.city.pk},
    )
    assert response.status_code == 200
    assert "辖区必须恰好位于上级辖区的下一层级" in response.content.decode()
    assert not Jurisdiction.objects.filter(code="520104001").exists()


def test_it_keeps_code_level_and_parent_of_a_node_fixed_in_the_admin(client, admins, tree):
    sign_in(client, admins[0])
    url = reverse("admin:access_jurisdiction_change", args=[tree.county.pk])
    client.post(url, {"name": "城关新区", "code": "999999", "parent": tree.province.pk})
    county = Jurisdiction.objects.get(pk=tree.county.pk)
    assert (county.name, county.code, county.path) == (
        "城关新区",
        "520102",
        "/100000/520000/520100/520102/",
    )


def test_it_refuses_an_empty_path_in_the_database(tree):
    with pytest.raises(IntegrityError), transaction.atomic():
        Jurisdiction.objects.create(
            code="520105", name="无路径", level=Level.COUNTY, parent=tree.city
        )


# --- grants ------------------------------------------------------------------------------


def test_it_refuses_a_self_grant_in_the_service(admins, tree):
    one, _two = admins
    with pytest.raises(ValidationError) as info:
        grant_request(actor=one, user=one, role=Role.SUPERVISOR, jurisdiction=tree.county)
    assert "user" in info.value.message_dict
    assert not GrantRequest.objects.exists()


def test_it_refuses_a_self_grant_in_the_admin(client, admins, tree):
    one, _two = admins
    sign_in(client, one)
    response = client.post(
        reverse("admin:access_grantrequest_add"),
        {"user": one.pk, "role": Role.SUPERVISOR, "jurisdiction": tree.county.pk},
    )
    assert response.status_code == 200
    assert "任何人都不能给自己授予角色" in response.content.decode()
    assert (
        not GrantRequest.objects.exists()
        and not fresh(one).grants.filter(role=Role.SUPERVISOR).exists()
    )


def test_it_offers_no_way_to_add_a_grant_directly_in_the_admin(client, admins, personas, tree):
    sign_in(client, admins[0])
    assert client.get(reverse("admin:access_grant_add")).status_code == 403
    url = reverse("admin:access_user_change", args=[personas.nobody.pk])
    assert 'id="grants-empty"' not in client.get(url).content.decode()
    # A hand-made inline row is ignored, not saved.
    client.post(
        url,
        {
            "username": "nobody",
            "is_active": "on",
            "grants-TOTAL_FORMS": "1",
            "grants-INITIAL_FORMS": "0",
            "grants-0-role": Role.SUPERVISOR,
            "grants-0-jurisdiction": tree.county.pk,
        },
    )
    assert not Grant.objects.filter(user=personas.nobody).exists()


def test_it_refuses_the_requester_approving_in_the_service(admins, personas, tree):
    one, _two = admins
    pending = grant_request(
        actor=one, user=personas.nobody, role=Role.CASEWORKER, jurisdiction=tree.a
    )
    with pytest.raises(ValidationError):
        grant_approve(actor=one, request=pending)
    assert not Grant.objects.filter(user=personas.nobody).exists()


def test_it_lets_an_administrator_grant_an_administrator_only_with_four_eyes(
    admins, personas, tree
):
    """Otherwise one administrator could make a second account to approve their requests."""
    one, two = admins
    alt = User.objects.create_user(username="alt")
    request = grant_request(
        actor=one, user=alt, role=Role.ADMINISTRATOR, jurisdiction=tree.province
    )
    assert not fresh(alt).grants.exists()
    grant_approve(actor=two, request=request)
    assert fresh(alt).grants.filter(role=Role.ADMINISTRATOR).exists()


def test_it_refuses_a_grant_outside_the_administrators_subtree(admins, personas, tree):
    county_admin = make_user("county_admin", Role.ADMINISTRATOR, tree.county_c)
    with pytest.raises(PermissionDenied):
        grant_request(
            actor=county_admin, user=personas.nobody, role=Role.CASEWORKER, jurisdiction=tree.a
        )


def test_it_refuses_a_superuser_without_an_administrator_grant(personas, tree):
    root = User.objects.create_superuser(username="root", password=PASSWORD)
    with pytest.raises(PermissionDenied):
        grant_request(actor=root, user=personas.nobody, role=Role.CASEWORKER, jurisdiction=tree.a)


# --- the audit page ----------------------------------------------------------------------


def test_it_shows_grant_changes_on_the_audit_page(client, admins, personas, tree):
    one, two = admins
    newcomer = User.objects.create_user(username="newcomer", password=PASSWORD)
    granted = grant_approve(
        actor=two,
        request=grant_request(actor=one, user=newcomer, role=Role.CASEWORKER, jurisdiction=tree.a),
    )
    grant_refuse(
        actor=two,
        request=grant_request(
            actor=one, user=newcomer, role=Role.TOWNSHIP_OFFICER, jurisdiction=tree.b
        ),
    )
    grant_revoke(actor=two, grant=granted)
    body = audit_page(client, personas.supervisor)
    assert "申请授予 newcomer 城东街道的“禁毒社工”角色" in body
    assert "已批准：newcomer 获得城东街道的“禁毒社工”角色（申请人 admin_one）" in body
    assert "拒绝了授予 newcomer 城西街道的“乡镇禁毒专干”角色的申请" in body
    assert "撤销了 newcomer 在城东街道的“禁毒社工”角色" in body
    # A supervisor of another county does not see these.
    other = make_user("supervisor_c", Role.SUPERVISOR, tree.county_c)
    assert "newcomer" not in audit_page(client, other)


def test_it_shows_a_totp_enrolment_on_the_audit_page(client, personas):
    client.force_login(personas.worker_a, backend="django.contrib.auth.backends.ModelBackend")
    client.get(reverse("access:2fa"))
    device = TOTPDevice.objects.get(user=personas.worker_a)
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    client.post(reverse("access:2fa"), {"token": code})
    assert TOTPDevice.objects.get(user=personas.worker_a).confirmed
    assert AuditEvent.objects.filter(action=AuditAction.TOTP_ENROL).count() == 1
    assert "为账号 worker_a 开启了两步验证登录" in audit_page(client, personas.supervisor)


def test_it_shows_resets_on_the_audit_page(client, admins, personas):
    one, two = admins
    account_reset_approve(
        actor=two,
        request=account_reset_request(actor=one, account=personas.worker_a, kind=ResetKind.TOTP),
    )
    account_reset_approve(
        actor=two,
        request=account_reset_request(
            actor=one, account=personas.worker_a, kind=ResetKind.PASSWORD
        ),
    )
    body = audit_page(client, personas.supervisor)
    assert "申请重置 worker_a 的密码" in body
    assert "重置了 worker_a 的两步验证（申请人 admin_one）" in body
    assert "重置了 worker_a 的密码（申请人 admin_one）" in body


# --- second factor and passwords ---------------------------------------------------------


def test_it_never_shows_a_totp_key_in_the_admin(client, admins, personas):
    device = TOTPDevice.objects.create(user=personas.supervisor, name="phone", confirmed=True)
    sign_in(client, admins[0])
    account = client.get(reverse("admin:access_user_change", args=[personas.supervisor.pk]))
    assert account.status_code == 200
    assert "两步验证登录" in account.content.decode() and "已开启" in account.content.decode()
    pages = [
        account,
        client.get(reverse("admin:access_user_changelist")),
        client.get("/admin/"),
        client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/", follow=True),
        client.get(f"/admin/otp_totp/totpdevice/{device.pk}/config/", follow=True),
        client.get(f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/", follow=True),
    ]
    for page in pages:
        body = page.content.decode(errors="replace")
        assert device.key not in body and "otpauth://" not in body
    # No admin page offers the device; its old addresses are gone (the 404 page echoes only
    # the address that was typed).
    for page in pages[:3]:
        assert "totpdevice" not in page.content.decode()
    assert all(page.status_code == 404 for page in pages[3:])


def test_it_refuses_an_admin_changing_another_users_password_alone(client, admins, personas):
    one, _two = admins
    before = fresh(personas.worker_a).password
    sign_in(client, one)
    page = client.get(reverse("admin:access_user_change", args=[personas.worker_a.pk]))
    assert "password/" not in page.content.decode()
    response = client.post(
        reverse("admin:auth_user_password_change", args=[personas.worker_a.pk]),
        {"password1": "x-new-Passw0rd-1", "password2": "x-new-Passw0rd-1"},
    )
    assert response.status_code == 403
    client.post(
        reverse("admin:access_user_changelist"),
        {"action": "ask_password_reset", "_selected_action": [personas.worker_a.pk]},
    )
    reset = AccountResetRequest.objects.get()
    # The asker cannot carry it out.
    response = client.post(
        reverse("admin:access_accountresetrequest_changelist"),
        {"action": "approve_resets", "_selected_action": [reset.pk]},
    )
    assert fresh(personas.worker_a).password == before
    assert AccountResetRequest.objects.get().status == RequestStatus.PENDING


def test_it_resets_a_password_when_a_second_admin_approves(client, admins, personas):
    one, two = admins
    reset = account_reset_request(actor=one, account=personas.worker_a, kind=ResetKind.PASSWORD)
    sign_in(client, two)
    response = client.post(
        reverse("admin:access_accountresetrequest_changelist"),
        {"action": "approve_resets", "_selected_action": [reset.pk]},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "临时密码" in body
    temporary = body.split("<code>")[1].split("</code>")[0]
    assert fresh(personas.worker_a).check_password(temporary)
    assert not fresh(personas.worker_a).check_password(PASSWORD)
    assert temporary not in "".join(AuditEvent.objects.values_list("detail", flat=True))


def test_it_refuses_a_reset_of_ones_own_account(admins):
    one, _two = admins
    with pytest.raises(ValidationError):
        account_reset_request(actor=one, account=one, kind=ResetKind.PASSWORD)


def test_it_removes_the_authenticator_on_an_approved_second_factor_reset(admins, personas):
    one, two = admins
    TOTPDevice.objects.create(user=personas.supervisor, name="phone", confirmed=True)
    reset = account_reset_request(actor=one, account=personas.supervisor, kind=ResetKind.TOTP)
    assert TOTPDevice.objects.filter(user=personas.supervisor).exists()
    assert account_reset_approve(actor=two, request=reset) is None
    assert not TOTPDevice.objects.filter(user=personas.supervisor).exists()


# --- the admin screens -------------------------------------------------------------------


def test_it_shows_the_admin_in_chinese(client, admins):
    sign_in(client, admins[0])
    body = client.get("/admin/").content.decode()
    assert "康复 系统管理" in body
    assert "角色授权申请" in body and "账号重置申请" in body


def test_it_creates_an_account_with_no_password_and_audits_it(client, admins, personas):
    sign_in(client, admins[0])
    response = client.post(
        reverse("admin:access_user_add"), {"username": "fresh_hire", "display_name": "新同事"}
    )
    assert response.status_code == 302, response.content.decode()
    account = User.objects.get(username="fresh_hire")
    assert not account.has_usable_password()
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="access.user", object_id=str(account.pk)
    ).exists()


def test_it_refuses_making_an_account_superuser_in_the_admin(client, admins, personas):
    sign_in(client, admins[0])
    client.post(
        reverse("admin:access_user_change", args=[personas.worker_a.pk]),
        {
            "username": "worker_a",
            "is_active": "on",
            "is_superuser": "on",
            "is_staff": "on",
            "grants-TOTAL_FORMS": "1",
            "grants-INITIAL_FORMS": "1",
        },
    )
    account = fresh(personas.worker_a)
    assert not account.is_superuser and not account.is_staff


def test_it_audits_an_account_change_made_in_the_admin(client, admins, personas):
    sign_in(client, admins[0])
    response = client.post(
        reverse("admin:access_user_change", args=[personas.worker_a.pk]),
        {
            "username": "worker_a",
            "display_name": "王新",
            "is_active": "on",
            "grants-TOTAL_FORMS": "1",
            "grants-INITIAL_FORMS": "1",
        },
    )
    assert response.status_code == 302
    assert fresh(personas.worker_a).display_name == "王新"
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_type="access.user")
    assert event.actor_username == "admin_one" and "display_name" in event.fields


def test_it_refuses_switching_off_ones_own_account_in_the_admin(client, admins):
    one, _two = admins
    sign_in(client, one)
    response = client.post(
        reverse("admin:access_user_change", args=[one.pk]),
        {
            "username": "admin_one",
            "grants-TOTAL_FORMS": "1",
            "grants-INITIAL_FORMS": "1",
        },
    )
    assert response.status_code == 200
    assert "不能停用自己的账号" in response.content.decode()
    assert fresh(one).is_active


def test_it_renders_every_admin_page_without_deleting_or_secrets(client, admins, personas, tree):
    TOTPDevice.objects.create(user=personas.supervisor, name="phone", confirmed=True)
    account_reset_request(actor=admins[0], account=personas.worker_a, kind=ResetKind.TOTP)
    grant_request(actor=admins[0], user=personas.nobody, role=Role.CASEWORKER, jurisdiction=tree.a)
    sign_in(client, personas.admin)  # over the whole nation: every row is in scope
    index = client.get("/admin/")
    from django.contrib import admin as django_admin

    for model in list(django_admin.site._registry):
        info = (model._meta.app_label, model._meta.model_name)
        listing = client.get(reverse("admin:{}_{}_changelist".format(*info)))
        assert listing.status_code == 200, info
        assert "delete_selected" not in listing.content.decode() or model._meta.label == (
            "axes.AccessAttempt"
        ), info
        obj = model._default_manager.first()
        if obj is not None:
            change = client.get(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
            assert change.status_code == 200, info
            assert "otpauth://" not in change.content.decode()
    assert "auth" not in [m._meta.app_label for m in django_admin.site._registry]
    assert index.status_code == 200


def test_it_lets_the_command_line_make_only_the_first_two_administrators(tree, capsys):
    from django.core.management import CommandError, call_command

    for name in ("root_one", "root_two", "root_three"):
        User.objects.create_superuser(username=name, password=PASSWORD)
    call_command("bootstrap_admin", "root_one", "520000")
    call_command("bootstrap_admin", "root_two", "520000")
    with pytest.raises(CommandError):
        call_command("bootstrap_admin", "root_three", "520000")
    assert set(
        Grant.objects.filter(role=Role.ADMINISTRATOR).values_list("user__username", flat=True)
    ) == {"root_one", "root_two"}
    assert AuditEvent.objects.filter(action=AuditAction.GRANT).count() == 2
    with pytest.raises(CommandError, match="code"):
        call_command("bootstrap_admin", "root_three", "999999")


def test_it_lets_a_temporary_password_open_only_the_password_change(client, admins, personas):
    one, two = admins
    reset = account_reset_request(actor=one, account=personas.worker_a, kind=ResetKind.PASSWORD)
    temporary = account_reset_approve(actor=two, request=reset)
    signed_in = client.post(
        reverse("login"), {"username": "worker_a", "password": temporary}, follow=True
    )
    assert signed_in.redirect_chain[-1][0] == reverse("access:password-change")
    assert "您的密码已由两名管理员重置" in signed_in.content.decode()
    assert client.get(reverse("people:person-list")).url == reverse("access:password-change")
    new = "a-brand-new-Passw0rd"
    changed = client.post(
        reverse("access:password-change"),
        {"old_password": temporary, "new_password1": new, "new_password2": new},
    )
    assert changed.status_code == 302
    assert client.get(reverse("people:person-list")).status_code == 200
    account = fresh(personas.worker_a)
    assert account.check_password(new) and not account.must_change_password
    assert "worker_a 设置了新密码" in audit_page(client, personas.supervisor)


def test_it_shows_an_administrator_of_another_county_nothing_of_ours(
    client, admins, personas, tree
):
    one, _two = admins
    pending = grant_request(
        actor=one, user=personas.nobody, role=Role.CASEWORKER, jurisdiction=tree.a
    )
    other = make_user("admin_c", Role.ADMINISTRATOR, tree.county_c, is_staff=True)
    other.is_superuser = True
    other.save()
    sign_in(client, other)
    listing = client.get(reverse("admin:access_grantrequest_changelist")).content.decode()
    assert "nobody" not in listing
    change = client.get(reverse("admin:access_grantrequest_change", args=[pending.pk]))
    assert change.status_code == 302  # the admin's answer for a missing object
    users = client.get(reverse("admin:access_user_changelist")).content.decode()
    assert "worker_a" not in users and "admin_c" in users
    nodes = client.get(reverse("admin:access_jurisdiction_changelist")).content.decode()
    assert "河口镇" in nodes and "城东街道" not in nodes
    # Approving through the list is refused as well: the request is not there.
    client.post(
        reverse("admin:access_grantrequest_changelist"),
        {"action": "approve_grants", "_selected_action": [pending.pk]},
    )
    assert GrantRequest.objects.get().status == RequestStatus.PENDING
