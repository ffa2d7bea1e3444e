"""Account administration, and nothing that bypasses the services.

Persons are deliberately not registered here: administrators manage accounts and the
jurisdiction tree and read no case content. Every save below goes through
``kangfu.access.services`` (validated, audited, four eyes where an account could be opened
or taken over); whatever has no service is read-only. See docs/access.md, "The admin is not
a back door".
"""

from __future__ import annotations

from axes.admin import AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from kangfu.access import services
from kangfu.access.audit import AccessContext
from kangfu.access.choices import ResetKind
from kangfu.access.models import (
    AccountResetRequest,
    Department,
    Grant,
    GrantRequest,
    Jurisdiction,
    User,
)
from kangfu.access.permissions import Action
from kangfu.access.scoping import scope_filter

admin.site.site_header = _("Kangfu administration")
admin.site.site_title = _("Kangfu administration")
admin.site.index_title = _("Staff accounts and the jurisdiction tree")

# Rights come from grants, not from Django groups and model permissions.
admin.site.unregister(Group)


def _ctx(request) -> AccessContext:
    return AccessContext.from_request(request)


def _report(request, error: Exception, label: object = "") -> None:
    """Show a refused service call as a message instead of an error page."""
    if isinstance(error, ValidationError):
        text = " ".join(error.messages)
    else:
        text = str(error) or gettext("You may not do this.")
    if label:
        text = gettext("%(what)s: %(error)s") % {"what": label, "error": text}
    messages.error(request, text)


def _form_error(form: forms.Form, error: Exception) -> None:
    """Put a service's refusal on the form: on its field when the form has that field."""
    if isinstance(error, PermissionDenied):
        form.add_error(None, str(error) or gettext("You may not do this."))
        return
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class ServiceFormMixin:
    """A ModelForm that knows who is acting, so ``clean`` can ask the service's rules."""

    request = None

    def actor(self):
        return self.request.user if self.request is not None else None


def _administered(request, queryset, path_field: str, *, or_unassigned: str = ""):
    """Rows under the administrator's own nodes; a superuser with no administrator grant
    sees none. ``or_unassigned`` also keeps accounts that hold no role yet."""
    condition = scope_filter(request.user, path_field, Action.ADMINISTER)
    if condition is None:
        return queryset.none()
    if or_unassigned:
        return queryset.filter(condition | Q(**{or_unassigned: True})).distinct()
    return queryset.filter(condition)


class ServiceAdmin(admin.ModelAdmin):
    """Deleting is never offered; subclasses decide what may be added or changed.

    Lists show only what lies under the administrator's grant (``scope_path_field``).
    """

    scope_path_field = "jurisdiction__path"

    def get_queryset(self, request):
        return _administered(request, super().get_queryset(request), self.scope_path_field)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.request = request
        return form


class NoAddNoChange:
    """For admin pages and inlines that only show: every write has its own service."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(NoAddNoChange, ServiceAdmin):
    pass


# --- the jurisdiction tree --------------------------------------------------------------


class JurisdictionAddForm(ServiceFormMixin, forms.ModelForm):
    class Meta:
        model = Jurisdiction
        fields = ["code", "name", "level", "parent"]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            services.jurisdiction_check(
                code=cleaned["code"], level=cleaned["level"], parent=cleaned.get("parent")
            )
            services.require_administrator(self.actor(), cleaned.get("parent"))
        except (ValidationError, PermissionDenied) as error:
            _form_error(self, error)
        return cleaned


class JurisdictionChangeForm(ServiceFormMixin, forms.ModelForm):
    class Meta:
        model = Jurisdiction
        fields = ["name"]


@admin.register(Jurisdiction)
class JurisdictionAdmin(ServiceAdmin):
    scope_path_field = "path"
    list_display = ["name", "code", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = JurisdictionChangeForm if obj else JurisdictionAddForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # The path follows code and parent; moving a node would move persons (a transfer).
        return ["code", "level", "parent", "path"] if obj else []

    def get_fields(self, request, obj=None):
        return (
            ["code", "name", "level", "parent", "path"] if obj else JurisdictionAddForm._meta.fields
        )

    def save_model(self, request, obj, form, change):
        if change:
            saved = services.jurisdiction_update(
                actor=_ctx(request), node=obj, name=form.cleaned_data["name"]
            )
        else:
            saved = services.jurisdiction_create(
                actor=_ctx(request),
                code=obj.code,
                name=obj.name,
                level=obj.level,
                parent=obj.parent,
            )
        obj.pk, obj.path, obj.name = saved.pk, saved.path, saved.name
        obj._state.adding = False


class DepartmentAddForm(ServiceFormMixin, forms.ModelForm):
    class Meta:
        model = Department
        fields = ["jurisdiction", "kind", "name"]

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                services.require_administrator(self.actor(), cleaned["jurisdiction"])
            except PermissionDenied as error:
                _form_error(self, error)
        return cleaned


@admin.register(Department)
class DepartmentAdmin(ServiceAdmin):
    list_display = ["name", "kind", "jurisdiction"]
    list_filter = ["kind"]
    search_fields = ["name"]
    form = DepartmentAddForm
    autocomplete_fields = ["jurisdiction"]

    def has_change_permission(self, request, obj=None):
        # Partners' field sets follow the department's kind: no edits, add a new one.
        return False

    def save_model(self, request, obj, form, change):
        saved = services.department_create(
            actor=_ctx(request), jurisdiction=obj.jurisdiction, kind=obj.kind, name=obj.name
        )
        obj.pk = saved.pk
        obj._state.adding = False


# --- staff accounts ---------------------------------------------------------------------


class GrantInline(NoAddNoChange, admin.TabularInline):
    """The roles an account holds now. Read-only: roles change through requests."""

    model = Grant
    extra = 0
    fields = ["role", "jurisdiction", "department", "created_at"]
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = _("roles held (ask for a new one under “role grant requests”)")


class AccountAddForm(ServiceFormMixin, forms.ModelForm):
    """A new account starts with no password and no role (both need a second administrator)."""

    class Meta:
        model = User
        fields = ["username", "display_name", "department"]

    def clean(self):
        cleaned = super().clean()
        try:
            services.require_administrator(self.actor())
        except PermissionDenied as error:
            _form_error(self, error)
        return cleaned

    def save(self, commit=True):
        account = super().save(commit=False)
        account.set_unusable_password()
        if commit:
            account.save()
        return account


class AccountChangeForm(ServiceFormMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = sorted(services.ACCOUNT_EDITABLE_FIELDS)

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                services.account_check(
                    actor=self.actor(),
                    account=self.instance,
                    created=False,
                    changed_fields=self.changed_data,
                )
            except (ValidationError, PermissionDenied) as error:
                _form_error(self, error)
        return cleaned


@admin.action(description=_("Ask for a password reset (a second administrator carries it out)"))
def ask_password_reset(modeladmin, request, queryset):
    _ask_reset(request, queryset, ResetKind.PASSWORD)


@admin.action(
    description=_("Ask for a second-factor reset (a second administrator carries it out)")
)
def ask_totp_reset(modeladmin, request, queryset):
    _ask_reset(request, queryset, ResetKind.TOTP)


def _ask_reset(request, accounts, kind):
    done = 0
    for account in accounts:
        try:
            services.account_reset_request(actor=_ctx(request), account=account, kind=kind)
        except (ValidationError, PermissionDenied) as error:
            _report(request, error, account)
        else:
            done += 1
    if done:
        messages.success(
            request,
            gettext("%(n)d reset request(s) recorded; another administrator must approve them.")
            % {"n": done},
        )


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [GrantInline]
    list_display = ["username", "display_name", "department", "is_active", "last_login"]
    list_filter = ["is_active", "is_staff"]
    actions = [ask_password_reset, ask_totp_reset]
    form = AccountChangeForm
    add_form = AccountAddForm
    # No password here: a password or second factor changes only through a reset request.
    fieldsets = (
        (None, {"fields": ("username", "display_name", "department")}),
        (_("Name and e-mail"), {"fields": ("first_name", "last_name", "email")}),
        (
            _("Status"),
            {
                "fields": (
                    "is_active",
                    "second_factor",
                    "is_staff",
                    "is_superuser",
                    "last_login",
                    "date_joined",
                )
            },
        ),
    )
    add_fieldsets = ((None, {"fields": ("username", "display_name", "department")}),)
    readonly_fields = ["second_factor", "is_staff", "is_superuser", "last_login", "date_joined"]

    @admin.display(description=_("Two-step sign-in"))
    def second_factor(self, obj) -> str:
        # Whether it is on, never the device's key or QR code.
        on = TOTPDevice.objects.devices_for_user(obj, confirmed=True).exists()
        return gettext("On") if on else gettext("Off")

    def get_queryset(self, request):
        return _administered(
            request,
            super().get_queryset(request),
            "grants__jurisdiction__path",
            or_unassigned="grants__isnull",
        )

    def has_delete_permission(self, request, obj=None):
        # Deleting would erase grants unaudited; switch the account off instead.
        return False

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.request = request
        return form

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def user_change_password(self, request, id, form_url=""):
        # Setting another account's password would let one administrator act as anyone.
        raise PermissionDenied

    def save_model(self, request, obj, form, change):
        services.account_save(
            actor=_ctx(request), account=obj, created=not change, changed_fields=form.changed_data
        )


# --- role grants ------------------------------------------------------------------------


class GrantRequestForm(ServiceFormMixin, forms.ModelForm):
    class Meta:
        model = GrantRequest
        fields = ["user", "role", "jurisdiction", "department"]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            services.require_administrator(self.actor(), cleaned["jurisdiction"])
            services.grant_check(
                actor=self.actor(),
                user=cleaned["user"],
                role=cleaned["role"],
                jurisdiction=cleaned["jurisdiction"],
                department=cleaned.get("department"),
            )
        except (ValidationError, PermissionDenied) as error:
            _form_error(self, error)
        return cleaned


@admin.action(description=_("Approve the selected requests"))
def approve_grants(modeladmin, request, queryset):
    done = 0
    for grant_request in queryset:
        try:
            services.grant_approve(actor=_ctx(request), request=grant_request)
        except (ValidationError, PermissionDenied) as error:
            _report(request, error, grant_request)
        else:
            done += 1
    if done:
        messages.success(request, gettext("%(n)d role(s) granted.") % {"n": done})


@admin.action(description=_("Refuse the selected requests"))
def refuse_grants(modeladmin, request, queryset):
    for grant_request in queryset:
        try:
            services.grant_refuse(actor=_ctx(request), request=grant_request)
        except (ValidationError, PermissionDenied) as error:
            _report(request, error, grant_request)


@admin.register(GrantRequest)
class GrantRequestAdmin(ServiceAdmin):
    list_display = [
        "user",
        "role",
        "jurisdiction",
        "requested_by",
        "requested_at",
        "status",
        "decided_by",
    ]
    list_filter = ["status", "role"]
    search_fields = ["user__username", "user__display_name"]
    form = GrantRequestForm
    autocomplete_fields = ["user", "jurisdiction", "department"]
    actions = [approve_grants, refuse_grants]

    def has_change_permission(self, request, obj=None):
        # A request is decided with the actions on the list, never edited.
        return False

    def save_model(self, request, obj, form, change):
        saved = services.grant_request(
            actor=_ctx(request),
            user=obj.user,
            role=obj.role,
            jurisdiction=obj.jurisdiction,
            department=obj.department,
        )
        obj.pk, obj.requested_by, obj.requested_at = (
            saved.pk,
            saved.requested_by,
            saved.requested_at,
        )
        obj._state.adding = False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("user", "jurisdiction", "requested_by", "decided_by")
        )


@admin.action(description=_("Revoke the selected roles"))
def revoke_grants(modeladmin, request, queryset):
    done = 0
    for grant in queryset:
        try:
            services.grant_revoke(actor=_ctx(request), grant=grant)
        except (ValidationError, PermissionDenied) as error:
            _report(request, error, grant)
        else:
            done += 1
    if done:
        messages.success(request, gettext("%(n)d role(s) revoked.") % {"n": done})


@admin.register(Grant)
class GrantAdmin(ReadOnlyAdmin):
    """Roles in force. New ones come from approved requests; revoking is an action."""

    list_display = ["user", "role", "jurisdiction", "department", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__display_name", "jurisdiction__name"]
    actions = [revoke_grants]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "jurisdiction", "department")


# --- password and second-factor resets ----------------------------------------------------


class ResetRequestForm(ServiceFormMixin, forms.ModelForm):
    class Meta:
        model = AccountResetRequest
        fields = ["account", "kind"]

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                services.account_reset_check(
                    actor=self.actor(), account=cleaned["account"], kind=cleaned["kind"]
                )
            except (ValidationError, PermissionDenied) as error:
                _form_error(self, error)
        return cleaned


@admin.action(description=_("Approve and carry out the selected resets"))
def approve_resets(modeladmin, request, queryset):
    passwords = []
    for reset in queryset.select_related("account"):
        try:
            password = services.account_reset_approve(actor=_ctx(request), request=reset)
        except (ValidationError, PermissionDenied) as error:
            _report(request, error, reset)
            continue
        if password is None:
            messages.success(
                request,
                gettext("The second factor of %(user)s was reset.") % {"user": reset.account},
            )
        else:
            passwords.append((reset.account, password))
    if passwords:
        # Shown once, on this page only: never in a message (which may sit in a cookie).
        return TemplateResponse(
            request,
            "admin/access/reset_done.html",
            {**modeladmin.admin_site.each_context(request), "passwords": passwords},
        )
    return None


@admin.action(description=_("Refuse the selected resets"))
def refuse_resets(modeladmin, request, queryset):
    for reset in queryset:
        try:
            services.account_reset_refuse(actor=_ctx(request), request=reset)
        except (ValidationError, PermissionDenied) as error:
            _report(request, error, reset)


@admin.register(AccountResetRequest)
class AccountResetRequestAdmin(ServiceAdmin):
    scope_path_field = "account__grants__jurisdiction__path"
    list_display = ["account", "kind", "requested_by", "requested_at", "status", "decided_by"]
    list_filter = ["status", "kind"]
    form = ResetRequestForm
    autocomplete_fields = ["account"]
    actions = [approve_resets, refuse_resets]

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = services.account_reset_request(
            actor=_ctx(request), account=obj.account, kind=obj.kind
        )
        obj.pk, obj.requested_by, obj.requested_at = (
            saved.pk,
            saved.requested_by,
            saved.requested_at,
        )
        obj._state.adding = False

    def get_queryset(self, request):
        queryset = AccountResetRequest.objects.select_related(
            "account", "requested_by", "decided_by"
        )
        return _administered(
            request, queryset, self.scope_path_field, or_unassigned="account__grants__isnull"
        )


# --- third-party registrations ----------------------------------------------------------

# django-otp's own admin shows a device's key and QR code, with which anyone could sign in
# as the device's owner. Devices are not on the admin site at all: the account page says
# whether two-step sign-in is on, and a reset goes through the four-eyes request.
admin.site.unregister(TOTPDevice)


# Sign-in records are evidence: they may be read, never removed (lock-outs still may be
# cleared, which is what AccessAttempt rows are for).
for model, base in ((AccessLog, AccessLogAdmin), (AccessFailureLog, AccessFailureLogAdmin)):
    admin.site.unregister(model)
    admin.site.register(
        model,
        type(
            f"Kept{base.__name__}",
            (base,),
            {"has_delete_permission": lambda self, request, obj=None: False},
        ),
    )
