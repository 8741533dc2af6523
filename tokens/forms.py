import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import networks, services

CUSTOM = "custom"
LIFETIME_PRESETS = [
    (3600, _("1 hour")),
    (86400, _("1 day")),
    (259200, _("3 days")),
    (604800, _("1 week")),
    (2592000, _("1 month")),
    (31536000, _("1 year")),
]
# Reissue's grace periods for the old value (tokens.renewal.GRACES, seconds).
GRACE_CHOICES = [
    (0, _("None")),
    (3600, _("1 hour")),
    (86400, _("1 day")),
    (604800, _("7 days")),
]


def preset_for(lifetime: datetime.timedelta) -> int:
    """The lifetime preset nearest a token's own lifetime (the longer on a tie): what Extend
    offers first, so a 1-year token is not offered 3 days."""
    seconds = lifetime.total_seconds()
    return min(LIFETIME_PRESETS, key=lambda p: (abs(p[0] - seconds), -p[0]))[0]


# A custom lifetime's units: seconds in one, and the label.
UNITS = {
    "minutes": (60, _("minutes")),
    "hours": (3600, _("hours")),
    "days": (86400, _("days")),
}


MSG_CUSTOM_MISSING = _("Enter the custom lifetime.")
MSG_CUSTOM_NUMBER = _("Enter the custom lifetime as a whole number, 1 or more.")
MSG_CUSTOM_UNIT = _("Choose minutes, hours or days.")
MSG_SELECT_USER = _("Select the user for whom you want to generate a token.")
MSG_MACHINES_MISSING = _("Enter the number of machines (1 to 10,000).")
MSG_MACHINES_UNASKED = _(
    "A number of machines applies only to “Up to N machines”: choose it, or clear the number."
)
HINTED = ("user", "plan")  # fields with a hint under them (add_generate_form.html)
USE_LIMITS = [
    ("reusable", _("Reusable")),
    ("one", _("One machine")),
    ("many", _("Up to N machines")),
]


def _user_label(user, level) -> str:
    """A user of the level as their name; a user of a unit below it with the unit's name."""
    if level is None or user.tenant_id == level.pk:
        return user.username
    return f"{user.username} ({user.tenant.name})"


class TokenGenerateForm(forms.Form):
    """What the Generate step asks: lifetime, and for administrators the user and a plan.

    The custom lifetime fields are read only when "Custom" is the lifetime: leftovers in
    them never change, nor block, a preset. Administrators must choose the user (nobody is
    preselected, so a token cannot land under the administrator by accident).
    """

    lifetime = forms.ChoiceField(
        label=_("Token lifetime"),
        choices=[(str(s), label) for s, label in LIFETIME_PRESETS] + [(CUSTOM, _("Custom"))],
        initial=str(int(services.DEFAULT_LIFETIME.total_seconds())),
    )
    # Plain fields: checked in clean(), and only for "Custom".
    custom_value = forms.CharField(
        label=_("Custom lifetime"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 1, "step": 1, "inputmode": "numeric"}),
    )
    custom_unit = forms.CharField(
        label=_("Unit"),
        required=False,
        widget=forms.Select(choices=[(u, label) for u, (_s, label) in UNITS.items()]),
        initial="days",
    )
    user = forms.ChoiceField(
        label=_("User"), required=False, error_messages={"required": MSG_SELECT_USER}
    )
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

    def __init__(self, *args, users=None, plans=None, level=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.for_others = users is not None
        if self.for_others:
            self.fields["user"].required = True
            self.fields["user"].choices = [("", _("Select a user"))] + [
                (str(u.pk), _user_label(u, level)) for u in users
            ]
            self.fields["plan"].choices = [("", _("No plan"))] + [
                (str(p.id), p.name) for p in plans
            ]
            for name in HINTED:
                self.fields[name].widget.attrs["aria-describedby"] = f"id_{name}-hint"
        else:
            del self.fields["user"]
            del self.fields["plan"]

    def add_error(self, field, error):
        """Point each invalid field at its message (`id_<name>-error`, in the template
        tokens/add_generate_form.html)."""
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                hint = f"id_{name}-hint " if name in HINTED else ""
                self.fields[name].widget.attrs["aria-describedby"] = f"{hint}id_{name}-error"

    @property
    def is_custom(self) -> bool:
        return self["lifetime"].value() == CUSTOM

    @property
    def shows_max_machines(self) -> bool:
        """ "Number of machines" shows for "Up to N machines", or to say why it was refused."""
        return self["use_limit"].value() == "many" or bool(self["max_machines"].errors)

    def clean_allowed_networks(self) -> list[str]:
        """Checked here, not only by the service, so its error comes with all the others."""
        try:
            return networks.parse(self.cleaned_data.get("allowed_networks"))
        except ValidationError as error:
            raise ValidationError(error.message_dict["allowed_networks"]) from None

    def clean(self):
        data = super().clean()
        data["limit"] = self._limit(data)
        if data.get("lifetime") == CUSTOM:
            seconds = self._custom_seconds(data)
            if seconds is not None:
                data["seconds"] = seconds
        elif data.get("lifetime"):
            data["seconds"] = int(data["lifetime"])
        return data

    def _custom_seconds(self, data) -> int | None:
        text, unit = (data.get("custom_value") or "").strip(), data.get("custom_unit") or "days"
        if unit not in UNITS:
            self.add_error("custom_unit", MSG_CUSTOM_UNIT)
            return None
        if not text:
            self.add_error("custom_value", MSG_CUSTOM_MISSING)
            return None
        if not (text.isascii() and text.isdigit()) or int(text) < 1:
            self.add_error("custom_value", MSG_CUSTOM_NUMBER)
            return None
        seconds = int(text) * UNITS[unit][0]
        if (
            not services.MIN_LIFETIME.total_seconds()
            <= seconds
            <= (services.MAX_LIFETIME.total_seconds())
        ):
            self.add_error("custom_value", _(services.MSG_LIFETIME))
            return None
        return seconds

    def _limit(self, data) -> int | None:
        """The chosen use limit as `max_machines`: None is reusable; N only for "Up to N"."""
        choice = data.get("use_limit")
        if choice == "many":
            if not data.get("max_machines") and "max_machines" not in self.errors:
                self.add_error("max_machines", MSG_MACHINES_MISSING)
            return data.get("max_machines")
        # A number beside "Reusable" or "One machine" is refused, never silently dropped.
        if (self.data.get(self.add_prefix("max_machines")) or "").strip():
            if "max_machines" not in self.errors:
                self.add_error("max_machines", MSG_MACHINES_UNASKED)
            return None
        return 1 if choice == "one" else None
