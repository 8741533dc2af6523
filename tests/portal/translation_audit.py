"""What the translation tests check, as functions they (and their self-tests) call.

- `unmarked_template_text`: text a template shows that no translate tag covers, found by
  walking the template with Django's own Lexer (so it splits tags exactly as Django does).
- `used_messages`: every msgid the portal asks for, from the templates' Translate and
  BlockTranslate nodes (Django's Parser) and `_("...")` in tags and variables, and from the
  Python sources' gettext calls (ast), each with the files that use it. No xgettext.
- `catalogue_problems`: what a catalogue lacks for those messages: missing, fuzzy, empty,
  the wrong number of plural forms, placeholders that differ from the msgid's.
- `unmarked_constants`: `_(MSG_X)` where MSG_X is a plain string constant (makemessages and
  `used_messages` only see literals: such a constant must be defined with gettext_noop).
"""

import ast
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.pofile import read_po
from django.template import Engine
from django.template.base import Lexer, TokenType
from django.templatetags.i18n import BlockTranslateNode, TranslateNode

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
PYTHON_PACKAGES = ("tenants", "tokens", "agents", "portal")
# Not portal pages: the programs a machine downloads (standard library only, English).
PYTHON_EXCLUDED = ("migrations", "client")
CATALOGUES = {
    "German": ROOT / "locale" / "de" / "LC_MESSAGES" / "django.po",
    "French": ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po",
}

# Words a page may show untranslated. Kept short on purpose: the product names are marked
# (and translated as themselves) like any other text; "Swagger" is the name of the API
# docs' tool, the fallback title of its page.
ALLOWLIST = frozenset({"Swagger"})
# Blocks that fill an attribute of the parent's markup (a class, an attribute), not text.
ATTRIBUTE_BLOCK_SUFFIXES = ("_class", "_attrs")

# Attributes a person reads or hears (a button's value is its label).
VISIBLE_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "aria-description"}
BUTTON_INPUT_TYPES = {"submit", "button", "reset"}
# Tags that print nothing themselves; every other tag may print (a marker stands for it).
SILENT_TAGS = {
    "if", "elif", "else", "endif", "for", "empty", "endfor", "with", "endwith", "block",
    "endblock", "extends", "load", "spaceless", "endspaceless", "autoescape", "endautoescape",
    "csrf_token", "cycle", "firstof", "now", "regroup", "ifchanged", "endifchanged",
    "get_current_language", "get_available_languages", "get_language_info_list",
    "get_language_info", "localize", "endlocalize",
}  # fmt: skip
OUTPUT = "\x01"  # stands for what a variable or a translate tag prints
GETTEXT_IN_TAG = re.compile(r"""_\(\s*(["'])(.*?)(?<!\\)\1\s*\)""")
LITERAL_DEFAULT = re.compile(r"""\|default(?:_if_none)?:(["'])(.*?)\1""")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdifr]|%[sdifr]|\{(\w*)\}")


# --- Templates: text that is not marked ------------------------------------------------------


def _is_text(chunk: str) -> bool:
    """Whether `chunk` has words in it (not just spaces, punctuation, symbols or numbers)."""
    words = chunk.replace(OUTPUT, " ").strip()
    if words in ALLOWLIST:
        return False
    return any(unicodedata.category(c)[0] == "L" for c in words)


class _VisibleText(HTMLParser):
    """Collects the text nodes and the readable attribute values of a template skeleton."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for name, value in attrs:
            readable = name in VISIBLE_ATTRIBUTES or (
                name == "value"
                and (tag == "button" or values.get("type", "") in BUTTON_INPUT_TYPES)
            )
            if readable and value and _is_text(value):
                self.found.append(f'{name}="{value.replace(OUTPUT, "…")}"')

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        if _is_text(data):
            self.found.append(" ".join(data.replace(OUTPUT, "…").split()))


def unmarked_template_text(source: str) -> list[str]:
    """Every piece of text or readable attribute in `source` outside translate tags, and
    every `|default:"..."` literal with words in it."""
    skeleton, problems, blocks = [], [], [""]
    in_blocktranslate = in_comment = False
    for token in Lexer(source).tokenize():
        contents = token.contents
        name = contents.split()[0] if token.token_type == TokenType.BLOCK and contents else ""
        if name == "block":
            blocks.append(contents.split()[1])
        elif name == "endblock":
            blocks.pop()
        if in_comment:
            in_comment = name != "endcomment"
        elif name == "comment":
            in_comment = True
        elif name in ("blocktranslate", "blocktrans"):
            in_blocktranslate = True
            skeleton.append(OUTPUT)
        elif name in ("endblocktranslate", "endblocktrans"):
            in_blocktranslate = False
        elif (
            in_blocktranslate
            or token.token_type == TokenType.COMMENT
            or blocks[-1].endswith(ATTRIBUTE_BLOCK_SUFFIXES)
        ):
            continue
        elif token.token_type == TokenType.TEXT:
            skeleton.append(contents)
        elif token.token_type == TokenType.VAR:
            problems += [
                f'{{{{ {contents} }}}}: default "{m[2]}"'
                for m in LITERAL_DEFAULT.finditer(contents)
                if _is_text(m[2])
            ]
            skeleton.append(OUTPUT)
        elif name in ("translate", "trans"):
            skeleton.append("" if " as " in contents else OUTPUT)
        elif name not in SILENT_TAGS:
            skeleton.append(OUTPUT)
    parser = _VisibleText()
    parser.feed("".join(skeleton))
    parser.close()
    return problems + parser.found


def template_files() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*") if p.suffix in (".html", ".txt", ".svg"))


# --- Messages used ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    msgid: str
    plural: str | None = None
    context: str | None = None

    def __str__(self):
        text = repr(self.msgid) + (f" / plural {self.plural!r}" if self.plural else "")
        return f"{text} (context {self.context!r})" if self.context else text


def _literal(expression) -> str | None:
    """The constant string a template FilterExpression stands for, if it is one."""
    var = getattr(expression, "var", expression)
    if isinstance(var, str):
        return str(var)
    literal = getattr(var, "literal", None)
    return str(literal) if isinstance(literal, str) and not getattr(var, "lookups", None) else None


def template_messages(source: str) -> set[Message]:
    """The messages a template asks for: its translate and blocktranslate tags (as Django's
    Parser reads them, placeholders and `trimmed` included) and `_("...")` in its tags."""
    engine = Engine.get_default()
    nodelist = engine.from_string(source).nodelist
    found: set[Message] = set()
    for node in nodelist.get_nodes_by_type(TranslateNode):
        msgid = _literal(node.filter_expression)
        if msgid is not None:
            context = _literal(node.message_context) if node.message_context else None
            found.add(Message(msgid, context=context))
    for node in nodelist.get_nodes_by_type(BlockTranslateNode):
        singular, _vars = node.render_token_list(node.singular)
        plural = node.render_token_list(node.plural)[0] if node.plural else None
        context = _literal(node.message_context) if node.message_context else None
        found.add(Message(singular, plural, context))
    for token in Lexer(source).tokenize():
        if token.token_type in (TokenType.VAR, TokenType.BLOCK):
            found |= {Message(m[2]) for m in GETTEXT_IN_TAG.finditer(token.contents)}
    return found


SINGULAR_CALLS = {"_", "gettext", "gettext_lazy", "gettext_noop", "ugettext", "ugettext_lazy"}
PLURAL_CALLS = {"ngettext", "ngettext_lazy"}
CONTEXT_CALLS = {"pgettext", "pgettext_lazy"}
CONTEXT_PLURAL_CALLS = {"npgettext", "npgettext_lazy"}
ALL_CALLS = SINGULAR_CALLS | PLURAL_CALLS | CONTEXT_CALLS | CONTEXT_PLURAL_CALLS


def _call_name(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else None


def _strings(node: ast.Call, count: int) -> list[str] | None:
    args = node.args[:count]
    if len(args) < count or not all(
        isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args
    ):
        return None
    return [a.value for a in args]  # type: ignore[attr-defined]


def python_messages(source: str) -> set[Message]:
    """The messages a Python module asks for with literal arguments to gettext and co."""
    found: set[Message] = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = _call_name(node)
        if name in SINGULAR_CALLS and (s := _strings(node, 1)):
            found.add(Message(s[0]))
        elif name in PLURAL_CALLS and (s := _strings(node, 2)):
            found.add(Message(s[0], s[1]))
        elif name in CONTEXT_CALLS and (s := _strings(node, 2)):
            found.add(Message(s[1], context=s[0]))
        elif name in CONTEXT_PLURAL_CALLS and (s := _strings(node, 3)):
            found.add(Message(s[1], s[2], s[0]))
    return found


def python_files() -> list[Path]:
    return sorted(
        p
        for package in PYTHON_PACKAGES
        for p in (ROOT / package).rglob("*.py")
        if not set(p.relative_to(ROOT).parts) & set(PYTHON_EXCLUDED)
    )


def used_messages() -> dict[Message, set[str]]:
    """Every message the portal asks for, with the files (relative paths) asking."""
    used: dict[Message, set[str]] = defaultdict(set)
    for path in template_files():
        for message in template_messages(path.read_text()):
            used[message].add(str(path.relative_to(ROOT)))
    for path in python_files():
        for message in python_messages(path.read_text()):
            used[message].add(str(path.relative_to(ROOT)))
    return dict(used)


def unmarked_constants() -> list[str]:
    """`gettext(NAME)` where NAME is a module-level constant holding a plain string."""
    plain: dict[str, str] = {}
    calls: list[tuple[str, str]] = []
    for path in python_files():
        tree = ast.parse(path.read_text())
        where = str(path.relative_to(ROOT))
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        plain[target.id] = f"{where}:{node.lineno}"
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _call_name(node) in ALL_CALLS and node.args:
                arg = node.args[0]
                name = arg.id if isinstance(arg, ast.Name) else getattr(arg, "attr", None)
                if name:
                    calls.append((name, f"{where}:{node.lineno}"))
    return [
        f"{name} (defined at {plain[name]}) is translated at {at}: define it with gettext_noop()"
        for name, at in calls
        if name in plain
    ]


# --- Catalogues ------------------------------------------------------------------------------


def placeholders(text: str) -> Counter:
    return Counter(m[0] for m in PLACEHOLDER.finditer(text.replace("%%", "")))


def catalogue_problems(po_path: Path, used: dict[Message, set[str]]) -> list[str]:
    """One line per message the catalogue does not translate properly, naming the files
    that use it; empty when it is complete."""
    with po_path.open("rb") as source:
        catalogue = read_po(source)
    entries = {(m.context, m.id if isinstance(m.id, str) else m.id[0]): m for m in catalogue}
    problems = []
    for message in sorted(used, key=lambda m: (m.msgid, m.context or "")):
        files = ", ".join(sorted(used[message]))
        entry = entries.get((message.context, message.msgid))
        problem = _entry_problem(message, entry, catalogue.num_plurals)
        if problem:
            problems.append(f"{message}: {problem}  [{files}]")
    return problems


def _entry_problem(message: Message, entry, num_plurals: int) -> str | None:
    if entry is None:
        return "missing"
    if entry.fuzzy:
        return "fuzzy"
    if bool(message.plural) != isinstance(entry.id, tuple):
        return "plural forms differ from the catalogue's entry"
    strings = list(entry.string) if isinstance(entry.string, tuple) else [entry.string]
    if message.plural and len(strings) != num_plurals:
        return f"has {len(strings)} plural forms, the language has {num_plurals}"
    if not all(strings):
        return "not translated (empty msgstr)"
    expected = placeholders(message.msgid)
    if message.plural and placeholders(message.plural) != expected:
        expected = expected | placeholders(message.plural)
    for text in strings:
        if placeholders(text) != expected:
            found = sorted(placeholders(text).elements())
            return f"placeholders {found} in {text!r}, not {sorted(expected.elements())}"
    return None
