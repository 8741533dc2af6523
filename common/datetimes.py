"""The one way the pages write a date and time: Django's DATETIME_FORMAT of the current
language, in the current time zone ("Dec. 7, 2026, 1:28 p.m.", "7 décembre 2026 13:28",
"7. Dezember 2026 13:28"). Relative times ("3 hours ago") carry it on hover; the audit log
and the details it lists print it."""

import datetime

from django.utils import timezone
from django.utils.formats import date_format


def local_datetime(moment: datetime.datetime) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")
