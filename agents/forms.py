from django import forms

from .models import ProtectionPlan
from .services.plans import PLAN_FIELDS


class ProtectionPlanForm(forms.ModelForm):
    """Parses plan input; uniqueness and permissions are the service's business."""

    class Meta:
        model = ProtectionPlan
        fields = PLAN_FIELDS
        widgets = {"start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}

    def validate_unique(self):
        # The service checks the name within the right schema and reports it on the form.
        pass
