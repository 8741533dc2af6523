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
USE_LIMITS = [
    ("reusable", _("Reusable")),
    ("one", _("One machine")),
    ("many", _("Up to N machines")),
]


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
    use_limit = forms.ChoiceField(
        label=_("Use"),
        choices=USE_LIMITS,
        initial="reusable",
        required=False,  # absent is "Reusable", the manual's behaviour
        widget=forms.RadioSelect,
    )
    max_machines = forms.IntegerField(
        label=_("Number of machines"), required=False, min_value=1, max_value=10_000
    )
    allowed_networks = forms.CharField(
        label=_("Allowed networks"), required=False, widget=forms.Textarea(attrs={"rows": 2})
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
        data["limit"] = self._limit(data)
        if data.get("lifetime") == CUSTOM:
            value, unit = data.get("custom_value"), data.get("custom_unit") or "days"
            if not value:
                self.add_error("custom_value", _("Enter the custom lifetime."))
                return data
            data["seconds"] = value * UNITS[unit]
        elif data.get("lifetime"):
            data["seconds"] = int(data["lifetime"])
        return data

    def _limit(self, data) -> int | None:
        """The chosen use limit as `max_machines`: None is reusable; N only for "Up to N"."""
        choice = data.get("use_limit")
        if choice == "one":
            return 1
        if choice == "many":
            if not data.get("max_machines") and "max_machines" not in self.errors:
                self.add_error("max_machines", _("Enter the number of machines (1 to 10,000)."))
            return data.get("max_machines")
        return None
