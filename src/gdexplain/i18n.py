"""Translations: every narrated sentence and on-screen word in the viewer's language.

The source language is English, written in the code and marked there::

    tr("The ball only feels the slope where it stands.")
    tr("After {steps} steps the loss is {loss}.", steps=n, loss=fmt(loss))
    trn("{n} step", "{n} steps", n)          # a plural (Chinese has one form)
    tr("step", context="chart axis")        # the same English meaning something else
    LABELS = (N_("velocity"), N_("gradient"))  # marked now, translated later: tr(LABELS[0])

Placeholders are named (``{steps}``), so a translation may put them in
another order; numbers are formatted by the caller (``fmt``, the same digits
as on screen) and passed in, never typed into a sentence.

The translations are gettext PO files, ``gdexplain/locale/<lang>/<domain>.po``:
one domain per scene module (``momentum.po`` for ``scenes/momentum.py``),
``lecture.po`` for the titles and descriptions of :mod:`gdexplain.lecture`,
and ``gdexplain.po`` for the shared building blocks. Any PO editor opens them.
At run time all files of a language are merged into one table, keyed by
context and English text. A third language is a folder of PO files:
``gdexplain translations fr`` writes them with every English string and an
empty translation to fill in (and adds new strings to existing files).

The language is set per scene (``NarratedScene(lang=...)``, ``gdexplain render
--lang``, or ``GDEXPLAIN_LANG`` for a plain ``manim`` run) and read by
:func:`tr` wherever the scene's mobjects and sentences are made. A string with
no translation falls back to English and is recorded (:func:`missing`); the
test suite renders every scene in every language and fails on any.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from gdexplain.core.errors import InputError

#: The language the code is written in.
SOURCE_LANGUAGE = "en"
#: Every language with a name here can be asked for; its PO files live in locale/<code>/.
LANGUAGE_NAMES = {"en": "English", "zh": "简体中文 (Simplified Chinese)"}
#: Where the PO files are.
LOCALE_DIR = Path(__file__).parent / "locale"

_current = SOURCE_LANGUAGE
_missing: dict[str, set[tuple[str | None, str]]] = {}


def languages() -> tuple[str, ...]:
    """The language codes a scene can be rendered in: English and every language with PO files."""
    found = sorted(p.name for p in LOCALE_DIR.iterdir() if p.is_dir() and any(p.glob("*.po"))) if LOCALE_DIR.is_dir() else []
    return (SOURCE_LANGUAGE, *(code for code in found if code != SOURCE_LANGUAGE))


def check_language(lang: str | None) -> str:
    """The code of ``lang`` (``None``: ``GDEXPLAIN_LANG``, else English) if it can be rendered; else a one-line error.

    The common spellings of a code are accepted (:func:`language_codes`):
    ``zh_CN``, ``zh-Hans``, ``zh-CN`` and ``ZH`` are all ``zh``.
    """
    text = (lang if lang is not None else os.environ.get("GDEXPLAIN_LANG") or SOURCE_LANGUAGE).strip()
    wanted = language_codes(text)
    for code in wanted:
        if code in languages():
            return code
    new = wanted[0] if wanted else ""
    hint = f" (a new one needs its PO files: gdexplain translations {new})" if _TRANSLATABLE.fullmatch(new) and new != SOURCE_LANGUAGE else ""
    raise InputError(f"unknown language {text!r}: use one of {', '.join(languages())}{hint}")


#: The codes ``gdexplain translations`` writes PO files for: ``fr``, or with a region, ``pt_BR``.
_TRANSLATABLE = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")
#: Chinese in traditional characters: never the Simplified Chinese of ``zh``.
_TRADITIONAL = {"hant", "tw", "hk", "mo"}


def language_codes(text: str) -> list[str]:
    """The codes ``text`` may mean, the closest first: ``pt-br`` → ``pt_BR``, ``pt``; ``zh-Hans-CN`` → ``zh_CN``, ``zh``.

    A language tag's script (``Hans``) is dropped and its region upper-cased;
    the language alone is the fallback, except that Chinese in traditional
    characters (``zh-Hant``, ``zh_TW``) does not fall back to ``zh``.
    """
    parts = [p for p in re.split(r"[-_.@]", text.strip()) if p]
    if not parts or not parts[0].isalpha():
        return [text.strip().lower()] if text.strip() else []
    language = parts[0].lower()
    regions = [p.upper() for p in parts[1:] if len(p) == 2 and p.isalpha()]
    codes = [f"{language}_{regions[0]}"] if regions else []
    if not (language == "zh" and _TRADITIONAL & {p.lower() for p in parts[1:]}):
        codes.append(language)
    return codes


def current() -> str:
    """The language strings are translated into now."""
    return _current


def set_language(lang: str | None) -> str:
    """Translate into ``lang`` from now on (checked as :func:`check_language` does); the code set."""
    global _current
    _current = check_language(lang)
    return _current


@contextmanager
def using(lang: str | None) -> Iterator[str]:
    """Translate into ``lang`` inside the block, then go back to the language before."""
    before = _current
    code = set_language(lang)
    try:
        yield code
    finally:
        globals()["_current"] = before


def is_cjk(lang: str | None = None) -> bool:
    """Whether ``lang`` (default: the current one) is written without spaces between words."""
    return (lang or _current) in ("zh", "ja")


def N_(message: str) -> str:
    """Mark ``message`` for translation without translating it now (for constants; :func:`tr` them later)."""
    return message


def tr(message: str, context: str | None = None, **values: object) -> str:
    """``message`` in the current language, with ``{name}`` placeholders filled from ``values``."""
    text = message
    if _current != SOURCE_LANGUAGE:
        found = catalog(_current).get((context, message))
        if found is None or not found[0]:
            _missing.setdefault(_current, set()).add((context, message))
        else:
            text = found[0]
    return text.format(**values) if values else text


def trn(singular: str, plural: str, n: int, context: str | None = None, **values: object) -> str:
    """The singular or plural form for ``n`` in the current language; ``{n}`` and ``values`` filled in."""
    text = singular if n == 1 else plural
    if _current != SOURCE_LANGUAGE:
        found = catalog(_current).get((context, singular))
        if found is None or not any(found):
            _missing.setdefault(_current, set()).add((context, singular))
        else:
            # Languages with one form (Chinese, Japanese) give msgstr[0] only.
            text = found[min(_plural_index(_current, n), len(found) - 1)]
    return text.format(n=n, **values)


def _plural_index(lang: str, n: int) -> int:
    return 0 if lang in ("zh", "ja") else (0 if n == 1 else 1)


def join_words(items: Iterable[str]) -> str:
    """A list as a sentence says it: ``a, b and c`` in English, ``a、b和c`` in Chinese."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    if is_cjk():
        return "、".join(items[:-1]) + "和" + items[-1]
    return ", ".join(items[:-1]) + " and " + items[-1]


def sentences(*parts: str) -> str:
    """Whole sentences said one after another (empty ones left out): a space between them in English, none in Chinese."""
    return ("" if is_cjk() else " ").join(p for p in parts if p)


def missing(lang: str | None = None) -> set[tuple[str | None, str]]:
    """The (context, English) strings asked for in ``lang`` that had no translation, since :func:`forget_missing`."""
    return set(_missing.get(lang or _current, set()))


def forget_missing() -> None:
    """Start recording missing translations afresh."""
    _missing.clear()


# --- PO files ---------------------------------------------------------------------------


@dataclass
class Entry:
    """One message of a PO file."""

    msgid: str
    msgstr: list[str] = field(default_factory=lambda: [""])
    context: str | None = None
    plural: str | None = None
    references: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str | None, str]:
        """How :func:`tr` finds it: context and English text."""
        return (self.context, self.msgid)


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unquote(token: str, where: str) -> str:
    if not (len(token) >= 2 and token[0] == '"' and token[-1] == '"'):
        raise ValueError(f"{where}: expected a quoted string, got {token!r}")
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), token[1:-1])


def _quote(text: str) -> str:
    body = text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
    if "\n" not in body:
        return f'"{body}"'
    parts = body.split("\n")
    lines = [p + "\\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    return '""\n' + "\n".join(f'"{line}"' for line in lines)


def read_po(path: Path) -> list[Entry]:
    """The messages of a PO file (the header entry, with an empty msgid, left out)."""
    entries: list[Entry] = []
    fields: dict[str, str] = {}
    refs: list[str] = []
    notes: list[str] = []
    last: str | None = None

    def flush() -> None:
        nonlocal fields, refs, notes, last
        if "msgid" in fields and fields["msgid"]:
            strs = [fields[k] for k in sorted((k for k in fields if k.startswith("msgstr[")), key=lambda k: int(k[7:-1]))]
            entries.append(
                Entry(fields["msgid"], strs or [fields.get("msgstr", "")], fields.get("msgctxt"), fields.get("msgid_plural"), refs, notes)
            )
        fields, refs, notes, last = {}, [], [], None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        where = f"{path.name}:{number}"
        if not line:
            flush()
        elif line.startswith("#:"):
            refs.extend(line[2:].split())
        elif line.startswith("#.") or line.startswith("# "):
            notes.append(line[2:].strip())
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if last is None:
                raise ValueError(f"{where}: a string continues no keyword")
            fields[last] += _unquote(line, where)
        else:
            keyword, _, rest = line.partition(" ")
            if keyword not in ("msgctxt", "msgid", "msgid_plural", "msgstr") and not keyword.startswith("msgstr["):
                raise ValueError(f"{where}: unknown keyword {keyword!r}")
            if keyword in ("msgctxt", "msgid") and "msgstr" in "".join(fields):
                flush()  # a new entry without a blank line between
            fields[keyword] = _unquote(rest.strip(), where)
            last = keyword
    flush()
    return entries


def write_po(path: Path, entries: Iterable[Entry], lang: str) -> None:
    """Write a PO file (with a header naming the language) for ``entries``."""
    nplurals = "nplurals=1; plural=0;" if lang in ("zh", "ja") else "nplurals=2; plural=(n != 1);"
    out = [
        f"# gdexplain, {LANGUAGE_NAMES.get(lang, lang)}: {path.stem}",
        'msgid ""',
        'msgstr ""',
        f'"Language: {lang}\\n"',
        '"Content-Type: text/plain; charset=UTF-8\\n"',
        f'"Plural-Forms: {nplurals}\\n"',
        "",
    ]
    for e in entries:
        out += [f"#. {c}" for c in e.comments]
        if e.references:
            out.append("#: " + " ".join(e.references))
        if e.context is not None:
            out.append(f"msgctxt {_quote(e.context)}")
        out.append(f"msgid {_quote(e.msgid)}")
        if e.plural is not None:
            out.append(f"msgid_plural {_quote(e.plural)}")
            out += [f"msgstr[{i}] {_quote(s)}" for i, s in enumerate(e.msgstr)]
        else:
            out.append(f"msgstr {_quote(e.msgstr[0] if e.msgstr else '')}")
        out.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out), encoding="utf-8")


@lru_cache(maxsize=None)
def catalog(lang: str) -> dict[tuple[str | None, str], list[str]]:
    """Every translation of ``lang``: (context, English) → its forms, from all of the language's PO files."""
    table: dict[tuple[str | None, str], list[str]] = {}
    for path in sorted((LOCALE_DIR / lang).glob("*.po")):
        for e in read_po(path):
            table[e.key] = e.msgstr
    return table


# --- finding the strings in the code ----------------------------------------------------


@dataclass(frozen=True)
class Message:
    """One marked string in the code: where it is and what a translation must keep."""

    domain: str
    msgid: str
    context: str | None
    plural: str | None
    reference: str  # path:line

    @property
    def key(self) -> tuple[str | None, str]:
        """How :func:`tr` finds it."""
        return (self.context, self.msgid)


def source_root() -> Path:
    """The folder holding ``gdexplain`` and the scene modules (the checkout's ``src``, or site-packages)."""
    return Path(__file__).resolve().parent.parent


def scene_dir() -> Path:
    """The scene modules: ``scenes/`` beside ``src/`` in a checkout, else the installed ``gdexplain_scenes``."""
    checkout = source_root().parent / "scenes"
    return checkout if checkout.is_dir() else source_root() / "gdexplain_scenes"


def domain_of(path: Path) -> str:
    """The PO file a source file's strings belong in: its scene module's name, ``lecture`` or ``gdexplain``."""
    path = path.resolve()
    if path.parent == scene_dir().resolve():
        return path.stem
    return "lecture" if path.name == "lecture.py" else "gdexplain"


def source_files() -> list[Path]:
    """Every Python file whose strings are translated: the package and the scene modules."""
    package = Path(__file__).resolve().parent
    return sorted(package.rglob("*.py")) + sorted(p for p in scene_dir().glob("*.py") if p.name != "__init__.py")


_MARKERS = {"tr": 1, "N_": 1, "trn": 2}


class MarkingError(ValueError):
    """A marked string the extractor cannot read: a translation could never be found for it."""


def extract(paths: Iterable[Path] | None = None) -> list[Message]:
    """Every string marked with :func:`tr`, :func:`trn` or :func:`N_` in ``paths`` (default: :func:`source_files`).

    A marker's text must be a literal (a plain string, not an f-string or an
    expression), else the extractor cannot know it: :class:`MarkingError`.
    ``tr(NAME)`` of a constant marked elsewhere with ``N_`` is fine.
    """
    messages: list[Message] = []
    for path in paths if paths is not None else source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr if isinstance(node.func, ast.Attribute) else None
            if name not in _MARKERS or not node.args:
                continue
            where = f"{path.name}:{node.lineno}"
            texts = node.args[: _MARKERS[name]]
            if name == "tr" and isinstance(texts[0], ast.Name | ast.Attribute | ast.Subscript):
                continue  # tr(CONSTANT): the constant was marked with N_ where it was written
            if not all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in texts):
                raise MarkingError(f"{where}: {name}() needs a plain string literal (no f-string or expression), so it can be translated")
            context = next((k.value.value for k in node.keywords if k.arg == "context" and isinstance(k.value, ast.Constant)), None)
            messages.append(
                Message(domain_of(path), texts[0].value, context, texts[1].value if name == "trn" else None, f"{_relative(path)}:{node.lineno}")
            )
    return messages


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(source_root().parent))
    except ValueError:
        return path.name


def _reference_order(reference: str) -> tuple[str, int]:
    path, _, line = reference.rpartition(":")
    return (path, int(line))


def translation_code(text: str) -> str:
    """The code to write PO files for: the one of :func:`language_codes` that has them already, else the closest."""
    codes = language_codes(text) or [text]
    return next((code for code in codes if (LOCALE_DIR / code).is_dir()), codes[0])


def placeholders(text: str) -> set[str]:
    """The ``{name}`` placeholders of a message (``{{`` and ``}}`` are literal braces)."""
    return set(re.findall(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)(?:[:!][^}]*)?\}(?!\})", text))


def update_translations(lang: str) -> dict[str, int]:
    """Write or update ``locale/<lang>/<domain>.po`` so it lists every marked string; per domain, how many are untranslated.

    Existing translations are kept; strings no longer in the code are dropped.
    ``lang`` may be spelled as :func:`language_codes` reads it (``zh_CN`` updates ``zh``).
    """
    lang = translation_code(lang)
    if not _TRANSLATABLE.fullmatch(lang) or lang == SOURCE_LANGUAGE:
        raise InputError(f"{lang!r} is not a language code to translate into: use e.g. zh, fr, de")
    by_domain: dict[str, dict[tuple[str | None, str], Entry]] = {}
    for m in extract():
        entry = by_domain.setdefault(m.domain, {}).setdefault(m.key, Entry(m.msgid, [""], m.context, m.plural))
        entry.references.append(m.reference)
    untranslated = {}
    for domain, wanted in sorted(by_domain.items()):
        path = LOCALE_DIR / lang / f"{domain}.po"
        old = {e.key: e for e in read_po(path)} if path.exists() else {}
        for key, entry in wanted.items():
            if key in old:
                entry.msgstr, entry.comments = old[key].msgstr, old[key].comments
        write_po(path, sorted(wanted.values(), key=lambda e: _reference_order(e.references[0])), lang)
        untranslated[domain] = sum(1 for e in wanted.values() if not any(e.msgstr))
    catalog.cache_clear()
    return untranslated
