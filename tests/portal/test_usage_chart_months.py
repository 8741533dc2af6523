"""Issue 20: Monitoring > Usage names months as each language abbreviates them (CLDR),
not as Django's title-cased stems ("Déc")."""

import datetime

import pytest
from django.utils import translation

from portal.usage_chart import day_labels

NOV_30 = datetime.date(2026, 11, 30)
DEC_7 = datetime.date(2026, 12, 7)


@pytest.mark.parametrize(
    "language,day,short,long",
    [
        ("fr", NOV_30, "30 nov.", "lun. 30 nov."),
        ("fr", DEC_7, "7 déc.", "lun. 7 déc."),
        ("de", DEC_7, "7. Dez.", "Mo., 7. Dez."),
        ("en", DEC_7, "Dec 7", "Mon, Dec 7"),
    ],
)
def test_day_labels_use_the_languages_month_abbreviations(language, day, short, long):
    with translation.override(language):
        assert day_labels(day) == (short, long)
