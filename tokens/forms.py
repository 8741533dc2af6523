from django import forms
from django.utils.translation import gettext_lazy as _

from . import services

CUSTOM = "custom"
LIFETIME_PRESETS = [
    (3600, _("1 hour")),
    (86400, _("1 day")),
    (259200, _("3 days")),
    (604800, _("1 week")),
    (2592000, _("1 month")),
    (31536000, _("1 year")),
]
UNITS = {"minutes": 60, "hours": 3600, "days": 86400}


class TokenGenerateForm(forms.Form):
    """What the Generate step asks: lifetime, and for administrators the user and a plan."""

    lifetime = forms.ChoiceField(
        label=_("Token lifetime"),
        choices=[(str(s), label) for s, label in LIFETIME_PRESETS] + [(CUSTOM, _("Custom"))],
        initial=str(int(services.DEFAULT_LIFETIME.total_seconds())),
    )
    custom_value = forms.IntegerField(label=_("Custom lifetime"), required=False, min_value=1)
    custom_unit = forms.ChoiceField(
        label=_("Unit"),
        required=False,
        choices=[("minutes", _("minutes")), ("hours", _("hours")), ("days", _("days"))],
        initial="days",
    )
    user = forms.ChoiceField(label=_("User"), required=False)
    plan = forms.ChoiceField(label=_("Protection plan"), required=False)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=services.MAX_DESCRIPTION
    )

    def __init__(self, *args, users=None, plans=None, initial_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.for_others = users is not None
        if self.for_others:
            self.fields["user"].required = True
            self.fields["user"].choices = [("", _("Select a user"))] + [
                (str(u.pk), u.username) for u in users
            ]
            self.fields["user"].initial = str(initial_user.pk) if initial_user else ""
            self.fields["plan"].choices = [("", _("No plan"))] + [
                (str(p.id), p.name) for p in plans
            ]
        else:
            del self.fields["user"]
            del self.fields["plan"]

    def clean(self):
        data = super().clean()
        if data.get("lifetime") == CUSTOM:
            value, unit = data.get("custom_value"), data.get("custom_unit") or "days"
            if not value:
                self.add_error("custom_value", _("Enter the custom lifetime."))
                return data
            data["seconds"] = value * UNITS[unit]
        elif data.get("lifetime"):
            data["seconds"] = int(data["lifetime"])
        return data
