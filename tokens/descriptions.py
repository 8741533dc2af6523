"""A registration token's description: free text of one line, at most 200 characters.

It is shown in lists and goes into reminder mails as it is (tokens/reminders.py), so line
breaks (CR, LF, U+2028/9) and every other control character (tabs included) are refused.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

MAX_DESCRIPTION = 200
MSG_DESCRIPTION = gettext_noop("The description can be at most 200 characters.")
MSG_DESCRIPTION_LINE = gettext_noop("The description must be one line, without control characters.")


def clean_description(text: str | None) -> str:
    """The description trimmed, or ValidationError on `description`."""
    text = (text or "").strip()
    if len(text) > MAX_DESCRIPTION:
        raise ValidationError({"description": _(MSG_DESCRIPTION)})
    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in text):
        raise ValidationError({"description": _(MSG_DESCRIPTION_LINE)})
    return text
