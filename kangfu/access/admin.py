"""Account administration. Persons are deliberately not registered here: administrators
manage accounts and the jurisdiction tree and read no case content."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from kangfu.access.models import Department, Grant, Jurisdiction, User


class GrantInline(admin.TabularInline):
    model = Grant
    extra = 0
    autocomplete_fields = ["jurisdiction", "department"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [GrantInline]
    list_display = ["username", "display_name", "department", "is_active", "last_login"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Kangfu"), {"fields": ("display_name", "department")}),
    )


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    readonly_fields = ["path"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "jurisdiction"]
    list_filter = ["kind"]
    search_fields = ["name"]
