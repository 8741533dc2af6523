"""Issue 20: Monitoring > Usage's chart and table name the months as each language
abbreviates them (CLDR: "déc.", "Dez."), not Django's title-cased stems ("Déc"), in
Chromium in German and French, on a laptop and a phone."""

import re

import pytest
from playwright.sync_api import expect

# The day and month under the chart's axis: CLDR's abbreviated months of each language.
DAY_MONTH = {
    "fr": re.compile(
        r"^\d{1,2} (janv\.|févr\.|mars|avr\.|mai|juin|juil\.|août|sept\.|oct\.|nov\.|déc\.)$"
    ),
    "de": re.compile(
        r"^\d{1,2}\. (Jan\.|Feb\.|März|Apr\.|Mai|Juni|Juli|Aug\.|Sept\.|Okt\.|Nov\.|Dez\.)$"
    ),
    "en": re.compile(r"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}$"),
}


@pytest.mark.parametrize(
    "width,height,language", [(1366, 768, "fr"), (390, 844, "de"), (1366, 768, "en")]
)
def test_usage_chart_months_are_the_languages_abbreviations(login, portal, width, height, language):
    page = login("globex-admin", width=width, height=height)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": portal.url}])
    page.goto("/manage/globex/usage/")
    labels = page.locator("svg.usage-svg text.usage-tick").filter(has_text=re.compile("[^0-9]"))
    expect(labels.first).to_be_visible()
    texts = labels.all_text_contents()
    assert len(texts) >= 4, texts
    assert all(DAY_MONTH[language].match(t.strip()) for t in texts), texts
    # The table names each day with its weekday, in the same abbreviations.
    first_day = page.locator(".usage-table tbody th time").first.inner_text().strip()
    day_month = first_day.split(" ", 1)[1] if language != "en" else first_day.split(", ", 1)[1]
    assert DAY_MONTH[language].match(day_month), first_day
