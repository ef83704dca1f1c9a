"""The user admin, with editorial roles up front: a role is what lets someone into the admin."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.forms import CheckboxSelectMultiple

from .. import services
from ..permissions import ROLE_GROUPS

User = get_user_model()

ROLES_HELP = (
    "Editors write profiles and sources and submit them for review; Reviewers also publish, schedule and delete. "
    "Giving someone a role lets them log in to the admin; taking every role away stops that (superusers aside). "
    "Public pages name reviewers by their first and last name, never by the username."
)


admin.site.unregister(User)


@admin.register(User)
class EditorialUserAdmin(UserAdmin):
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    ("first_name", "last_name"),
                    "email",
                    "groups",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Name and e-mail", {"fields": (("first_name", "last_name"), "email")}),
        ("Editorial roles", {"fields": ("groups", "is_active")}),
        (
            "Advanced permissions",
            {"fields": ("is_staff", "is_superuser", "user_permissions"), "classes": ("collapse",)},
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    filter_horizontal = ("user_permissions",)
    list_display = ("username", "first_name", "last_name", "email", "role_list", "is_staff", "is_active")
    list_filter = ("groups", "is_staff", "is_superuser", "is_active")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="Roles")
    def role_list(self, obj):
        return ", ".join(group.name for group in obj.groups.all()) or "—"

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["widget"] = CheckboxSelectMultiple
            field = super().formfield_for_manytomany(db_field, request, **kwargs)
            field.label = "Roles"
            field.help_text = ROLES_HELP
            return field
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change):
        role_ids = set(Group.objects.filter(name__in=ROLE_GROUPS.values()).values_list("pk", flat=True))
        had_role = bool({group.pk for group in form.initial.get("groups", [])} & role_ids) if change else False
        was_staff = form.instance.is_staff
        super().save_related(request, form, formsets, change)
        user = services.editor_access_sync(user=form.instance, had_role=had_role)
        who = f"{user.get_full_name()} ({user.get_username()})" if user.get_full_name() else user.get_username()
        if user.is_staff and not was_staff:
            self.message_user(request, f"The role lets {who} log in to the admin.", messages.INFO)
        elif was_staff and not user.is_staff:
            self.message_user(request, f"With no editorial role left, {who} can no longer log in.", messages.INFO)
