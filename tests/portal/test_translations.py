"""German and French beside English: every template string marked, both catalogues complete
(tests/portal/translation_audit.py), pages rendered in the chosen language, the API English."""

import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

from portal.relative_time import relative
from tests.portal import translation_audit as audit
from tokens.services import MSG_ALL_CUSTOMERS

DAY, HOUR = 86400, 3600


# --- Marking and catalogues (no database) --------------------------------------------------


def test_every_template_string_is_marked_for_translation():
    problems = {
        str(path.relative_to(audit.ROOT)): found
        for path in audit.template_files()
        if (found := audit.unmarked_template_text(path.read_text()))
    }
    listing = "\n".join(f"{name}: {found}" for name, found in problems.items())
    assert not problems, f"Text outside {{% translate %}} / {{% blocktranslate %}}:\n{listing}"


@pytest.mark.parametrize(
    "source,found",
    [
        ("<p>Hello</p>", ["Hello"]),
        ("<td>{{ n }} machines</td>", ["… machines"]),
        ('<a title="Manage">{% translate "x" %}</a>', ['title="Manage"']),
        ('<span aria-label="Close {{ name }}">×</span>', ['aria-label="Close …"']),
        ('<input placeholder="Search">', ['placeholder="Search"']),
        ('<img alt="Logo" src="x.png">', ['alt="Logo"']),
        ('<button value="Go">{% translate "Go" %}</button>', ['value="Go"']),
        ('<input type="submit" value="Send">', ['value="Send"']),
        ('{{ plan|default:"No plan" }}', ['{{ plan|default:"No plan" }}: default "No plan"']),
        ("{% if x %}<b>Ready</b>{% endif %}", ["Ready"]),
    ],
)
def test_the_template_check_finds_unmarked_text(source, found):
    assert audit.unmarked_template_text(source) == found


@pytest.mark.parametrize(
    "source",
    [
        "<p>{% translate 'Hello' %}</p>",
        "<td>{% blocktranslate count n=n %}{{ n }} machine{% plural %}{{ n }} machines"
        "{% endblocktranslate %}</td>",
        "<a title=\"{% translate 'Manage' %}\">{{ name }}</a>",
        '<input type="hidden" name="pane" value="add"><option value="x">{{ x }}</option>',
        "<span>— · ×  12 ▾ {{ n }}%</span><code>{{ t.prefix }}••</code>",
        "{{ plan|default:_('No plan') }}{{ v|default:'—' }}",
        "{% comment %}A note for developers.{% endcomment %}{# another #}",
        '<body class="{% block body_class %}login-page{% endblock %}">',
    ],
)
def test_the_template_check_accepts_marked_text_and_markup(source):
    assert audit.unmarked_template_text(source) == []


def test_the_collector_reads_templates_and_python_like_makemessages():
    used = audit.used_messages()
    expected = [
        # {% translate %} in a template, and a blocktranslate with a plural and a variable.
        audit.Message("All devices"),
        audit.Message("Delete %(n)s token?", "Delete %(n)s tokens?"),
        audit.Message("Signed in as %(name)s"),
        # _("...") as a filter argument.
        audit.Message("Not protected"),
        # Python: gettext_lazy, ngettext, and a constant marked with gettext_noop.
        audit.Message("Token lifetime"),
        audit.Message("in %(n)d day", "in %(n)d days"),
        audit.Message(MSG_ALL_CUSTOMERS),
    ]
    for message in expected:
        assert message in used, message
    assert "templates/shell.html" in used[audit.Message("Signed in as %(name)s")]


@pytest.mark.parametrize("language", sorted(audit.CATALOGUES))
def test_every_message_is_translated_in_the_catalogue(language):
    po = audit.CATALOGUES[language]
    problems = audit.catalogue_problems(po, audit.used_messages())
    listing = "\n".join(problems)
    assert not problems, (
        f"{language} catalogue {po.relative_to(audit.ROOT)}: {len(problems)} messages to "
        f"translate (docs/operations.md, Languages):\n{listing}"
    )


PO_HEADER = """msgid ""
msgstr ""
"Language: de\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"

"""


def test_the_catalogue_check_names_each_problem_and_the_files(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        PO_HEADER + '#, fuzzy\nmsgid "Fuzzy"\nmsgstr "Unscharf"\n\n'
        'msgid "Empty"\nmsgstr ""\n\n'
        'msgid "Hello %(name)s"\nmsgstr "Hallo %(nom)s"\n\n'
        'msgid "%d token"\nmsgid_plural "%d tokens"\nmsgstr[0] "Ein Token"\n'
        'msgstr[1] "%d Tokens"\n\n'
        'msgid "Good {count}"\nmsgstr "Gut {count}"\n'
    )
    used = {
        audit.Message("Fuzzy"): {"a.html"},
        audit.Message("Empty"): {"b.py"},
        audit.Message("Hello %(name)s"): {"c.html"},
        audit.Message("%d token", "%d tokens"): {"d.py"},
        audit.Message("Good {count}"): {"e.py"},
        audit.Message("API clients"): {"templates/tenants/api_clients.html", "f.py"},
    }
    problems = audit.catalogue_problems(po, used)
    assert problems[0] == (
        "'%d token' / plural '%d tokens': placeholders [] in 'Ein Token', not ['%d']  [d.py]"
    )
    assert problems[1:] == [
        "'API clients': missing  [f.py, templates/tenants/api_clients.html]",
        "'Empty': not translated (empty msgstr)  [b.py]",
        "'Fuzzy': fuzzy  [a.html]",
        "'Hello %(name)s': placeholders ['%(nom)s'] in 'Hallo %(nom)s', not ['%(name)s']  [c.html]",
    ]


def test_constants_translated_at_run_time_are_marked_with_gettext_noop():
    assert audit.unmarked_constants() == []


def test_the_constant_check_finds_a_plain_constant(tmp_path, monkeypatch):
    module = tmp_path / "tokens" / "sample.py"
    module.parent.mkdir()
    module.write_text('MSG_X = "Plain."\n\n\ndef f():\n    return _(MSG_X)\n')
    monkeypatch.setattr(audit, "ROOT", tmp_path)
    found = audit.unmarked_constants()
    assert found == [
        "MSG_X (defined at tokens/sample.py:1) is translated at tokens/sample.py:5: "
        "define it with gettext_noop()"
    ]


# --- Compiling ------------------------------------------------------------------------------


def test_compile_translations_builds_the_mo_files_in_pure_python(tmp_path, capsys):
    folder = tmp_path / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "django.po").write_text(
        PO_HEADER + 'msgid "Log out"\nmsgstr "Abmelden"\n\n'
        '#, fuzzy\nmsgid "Log in"\nmsgstr "Falsch"\n\n'
        'msgid "%d day"\nmsgid_plural "%d days"\nmsgstr[0] "%d Tag"\nmsgstr[1] "%d Tage"\n'
    )
    with override_settings(LOCALE_PATHS=[tmp_path]):
        call_command("compile_translations")
    assert capsys.readouterr().out == "Translations compiled: de (1 catalogues, 2 messages).\n"
    with (folder / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    assert compiled.gettext("Log out") == "Abmelden"
    assert compiled.gettext("Log in") == "Log in"  # fuzzy entries are left out, as msgfmt does
    assert compiled.ngettext("%d day", "%d days", 1) == "%d Tag"
    assert compiled.ngettext("%d day", "%d days", 3) == "%d Tage"


def test_compiled_catalogues_are_ignored_by_git_and_never_committed():
    root, git = audit.ROOT, shutil.which("git") or "git"
    ignored = subprocess.run(  # noqa: S603 - fixed arguments
        [git, "check-ignore", "-q", "locale/de/LC_MESSAGES/django.mo"], cwd=root, check=False
    )
    assert ignored.returncode == 0
    tracked = subprocess.run(  # noqa: S603 - fixed arguments
        [git, "ls-files", "*.mo"], cwd=root, capture_output=True, text=True, check=True
    )
    assert tracked.stdout == ""


def test_the_launcher_compiles_the_catalogues_before_serve_test_and_production(monkeypatch):
    from portal.launch import serve, testing

    for production in (False, True):
        assert serve.setup_steps(production)[0] == ["compile_translations"]

    class Stop(Exception):
        pass

    steps: list[list[str]] = []

    def first_step(args):
        steps.append(args)
        raise Stop

    monkeypatch.setattr(testing, "run_step", first_step)
    with pytest.raises(Stop):
        testing.test([])
    assert steps == [["compile_translations"]]


# --- What pages and the API answer ----------------------------------------------------------


def test_relative_times_read_naturally_in_german_and_french():
    with translation.override("de"):
        assert relative(3 * DAY - 1) == "in 3 Tagen"
        assert relative(-2 * HOUR) == "vor 2 Stunden"
        assert relative(-60) == "vor 1 Minute"
        assert relative(400 * DAY) == "in 1 Jahr"
    with translation.override("fr"):
        assert relative(3 * DAY - 1) == "dans 3 jours"
        assert relative(-2 * HOUR) == "il y a 2 heures"
        assert relative(-60) == "il y a 1 minute"
        assert relative(10) == "à l'instant"


CONSOLE = "/console/globex/devices/"
PAGES = {
    # language: (the console's page, the Management portal's usage page, the sign-in page)
    "de": (["Alle Geräte", "Schutzpläne", "Abmelden"], ["Nutzung", "Dienst verwalten",
           "Audit-Protokoll"], ["Benutzername", "Passwort", "Anmelden"]),
    "fr": (["Tous les appareils", "Plans de protection", "Se déconnecter"], ["Utilisation",
           "Gérer le service", "Journal d'audit"], ["Nom d'utilisateur", "Mot de passe",
           "Se connecter"]),
    "en": (["All devices", "Protection plans", "Log out"], ["Usage", "Manage service",
           "Audit log"], ["Username", "Password", "Log in"]),
}  # fmt: skip


def _texts(response) -> str:
    from html import unescape

    return unescape(response.content.decode())


@pytest.mark.parametrize("language", ["de", "fr", "en"])
def test_pages_follow_the_browsers_language(client, login, language):
    console, management, sign_in = PAGES[language]
    header = {"HTTP_ACCEPT_LANGUAGE": f"{language};q=0.9,en;q=0.5"}
    page = _texts(client.get("/accounts/login/", **header))
    assert f'<html lang="{language}">' in page
    assert all(label in page for label in sign_in), page
    login("msp-admin")
    page = _texts(client.get(CONSOLE, **header))
    assert all(label in page for label in console)
    page = _texts(client.get("/manage/globex/usage/", **header))
    assert all(label in page for label in management)
    if language != "en":
        assert ">All devices<" not in _texts(client.get(CONSOLE, **header))


@pytest.mark.parametrize("language", ["de", "fr"])
def test_the_usage_charts_geometry_keeps_decimal_points_in_every_language(login, language):
    page = login("globex-admin").get("/manage/globex/usage/", HTTP_ACCEPT_LANGUAGE=language)
    svg = page.content.decode().split("<svg", 1)[1].split("</svg>", 1)[0]
    numbers = re.findall(r' (?:x|y|x1|x2|y1|y2|width|height)="([^"]*)"', svg)
    assert numbers and all(re.fullmatch(r"[0-9.]+|100%", n) for n in numbers), numbers[:12]


def test_english_is_the_default_and_for_unsupported_languages(login):
    client = login("globex-admin")
    for header in ({}, {"HTTP_ACCEPT_LANGUAGE": "es-ES,es;q=0.9"}):
        page = _texts(client.get(CONSOLE, **header))
        assert '<html lang="en">' in page and ">All devices</a>" in page


def test_the_footer_selector_remembers_a_choice_over_accept_language(login):
    client = login("globex-admin")
    page = client.get(CONSOLE).content.decode()
    assert '<form method="post" action="/language/" class="language-form">' in page
    for code, name in (("en", "English"), ("de", "Deutsch"), ("fr", "Français")):
        assert f'<option value="{code}" lang="{code}"' in page and f">{name}</option>" in page
    chosen = client.post("/language/", {"language": "fr", "next": CONSOLE})
    assert chosen.status_code == 302 and chosen["Location"] == CONSOLE
    cookie = chosen.cookies["django_language"]
    assert cookie.value == "fr" and cookie["httponly"] and cookie["samesite"] == "Lax"
    page = _texts(client.get(CONSOLE, HTTP_ACCEPT_LANGUAGE="de"))
    assert '<html lang="fr">' in page and "Tous les appareils" in page
    assert '<option value="fr" lang="fr" selected>' in page


def test_the_footer_is_on_every_kind_of_page(client, login):
    pages = ["/accounts/login/", "/nowhere/"]
    for url in pages:
        assert b'action="/language/"' in client.get(url).content, url
    login("platform-admin")
    for url in (CONSOLE, "/manage/globex/audit/", "/admin/", "/console/globex/plans/"):
        assert b'action="/language/"' in client.get(url).content, url


def test_the_selector_needs_csrf(db):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/language/", {"language": "de"})
    assert response.status_code == 403


def test_the_console_translates_a_service_message_the_api_keeps_english(login):
    client = login("msp-admin")
    page = _texts(client.get("/console/demo-msp/devices/?pane=add", HTTP_ACCEPT_LANGUAGE="de"))
    assert "Auf der Ebene „Alle Kunden“ können Sie kein Token generieren." in page
    response = client.post(
        "/api/v1/tenants/demo-msp/registration_tokens",
        {},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == MSG_ALL_CUSTOMERS


def _api_answers(client, header):
    """Error answers from DRF itself, our handlers and our services, for one language."""
    return [
        client.get("/api/v1/tenants", **header),  # not signed in: DRF's own message
        client.get("/api/v1/no-such-endpoint", **header),
        client.post(
            "/api/v1/agents/register", {"token": "x"}, content_type="application/json", **header
        ),
        client.post(
            "/api/v1/agents/register",
            {
                "token": "0000-0000-0000-0000-0000-0000-0000",
                "hostname": "h",
                "os": "Linux",
                "machine_id": "m",
            },
            content_type="application/json",
            **header,
        ),  # fmt: skip
        client.get("/api/v1/agents/me", HTTP_AUTHORIZATION="Bearer agt_wrong", **header),
    ]


@pytest.mark.parametrize("language", ["de", "fr"])
def test_api_error_messages_stay_english_whatever_the_accept_language(client, db, language):
    def body(response):  # every error body also quotes its own request id
        return {k: v for k, v in response.json().items() if k != "request_id"}

    english = [body(r) for r in _api_answers(client, {})]
    answers = _api_answers(client, {"HTTP_ACCEPT_LANGUAGE": language})
    assert [body(r) for r in answers] == english
    assert english[0] == {"detail": "Authentication credentials were not provided."}
    assert english[1] == {"detail": "Not found."}
    assert english[2]["errors"]["hostname"] == ["This field is required."]
    assert all("Content-Language" not in r for r in answers)
    # The check has teeth: DRF itself would say this in the page's language.
    with translation.override(language):
        assert (
            translation.gettext("Authentication credentials were not provided.")
            != english[0]["detail"]
        )


def test_the_catalogues_exist_for_each_language_the_portal_offers(settings):
    offered = {code for code, _name in settings.LANGUAGES} - {"en"}
    present = {Path(p).parent.parent.name for p in audit.CATALOGUES.values()}
    assert offered == present == {"de", "fr"}
