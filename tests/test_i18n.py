"""Translations: the mechanism (PO files, tr/trn, extraction), and every scene in every language.

The per-scene checks reuse the one last-frame run per scene and language of
the ``last_frames`` fixture (conftest.py): in Chinese, the layout is clean,
no string asked for lacks a translation, no English word is left on screen
or in the narration, and the subtitles break at Chinese punctuation.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gdexplain import i18n, narration
from gdexplain.catalog import entries, get_entry
from gdexplain.core.errors import InputError
from gdexplain.core.optimizers import OPTIMIZERS
from gdexplain.core.surfaces import SURFACES
from gdexplain.render import QUALITIES, edition_stem, output_path

TRANSLATED = [lang for lang in i18n.languages() if lang != i18n.SOURCE_LANGUAGE]


# --- the mechanism --------------------------------------------------------------------------


def test_tr_translates_fills_placeholders_and_falls_back_to_english(tmp_path, monkeypatch):
    po = tmp_path / "zh" / "demo.po"
    i18n.write_po(po, [i18n.Entry("After {steps} steps", ["{steps} 步之后"]), i18n.Entry("step", ["步数"], context="axis")], "zh")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.catalog.cache_clear()
    try:
        i18n.forget_missing()
        with i18n.using("zh"):
            assert i18n.tr("After {steps} steps", steps=3) == "3 步之后"
            assert i18n.tr("step", context="axis") == "步数"
            assert i18n.tr("step") == "step"  # no context: a different message, untranslated
            assert i18n.missing() == {(None, "step")}
        assert i18n.current() == "en"
        assert i18n.tr("After {steps} steps", steps=3) == "After 3 steps"
    finally:
        i18n.catalog.cache_clear()


def test_trn_picks_the_english_form_by_count_and_the_one_chinese_form(tmp_path, monkeypatch):
    po = tmp_path / "zh" / "demo.po"
    i18n.write_po(po, [i18n.Entry("{n} step", ["{n} 步"], plural="{n} steps")], "zh")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.catalog.cache_clear()
    try:
        assert [i18n.trn("{n} step", "{n} steps", n) for n in (1, 2)] == ["1 step", "2 steps"]
        with i18n.using("zh"):
            assert [i18n.trn("{n} step", "{n} steps", n) for n in (1, 2)] == ["1 步", "2 步"]
    finally:
        i18n.catalog.cache_clear()


def test_po_files_round_trip_with_quotes_newlines_contexts_and_plurals(tmp_path):
    entries_in = [
        i18n.Entry('say "hi"\nthen go', ["说“你好”\n然后走"], references=["scenes/x.py:3"], comments=["a note"]),
        i18n.Entry("back\\slash", ["反\\斜"], context="ctx"),
        i18n.Entry("{n} ball", ["{n} 个球"], plural="{n} balls"),
    ]
    path = tmp_path / "x.po"
    i18n.write_po(path, entries_in, "zh")
    back = i18n.read_po(path)
    assert [(e.msgid, e.msgstr, e.context, e.plural) for e in back] == [(e.msgid, e.msgstr, e.context, e.plural) for e in entries_in]
    assert back[0].references == ["scenes/x.py:3"] and back[0].comments == ["a note"]
    assert "Plural-Forms: nplurals=1" in path.read_text(encoding="utf-8")


def test_a_broken_po_file_names_the_line(tmp_path):
    path = tmp_path / "bad.po"
    path.write_text('msgid "a"\nmsgstr "b"\nmsgfoo "c"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="bad.po:3: unknown keyword 'msgfoo'"):
        i18n.read_po(path)


def test_extraction_finds_markers_and_refuses_strings_it_cannot_read(tmp_path):
    good = tmp_path / "good.py"
    good.write_text(
        'from gdexplain.i18n import N_, tr, trn\nA = N_("velocity")\n'
        'def f(n):\n    return tr("hello {x}", x=1) + tr(A) + trn("{n} step", "{n} steps", n) + tr("step", context="axis")\n',
        encoding="utf-8",
    )
    found = {(m.msgid, m.context, m.plural) for m in i18n.extract([good])}
    assert found == {("velocity", None, None), ("hello {x}", None, None), ("{n} step", None, "{n} steps"), ("step", "axis", None)}
    bad = tmp_path / "bad.py"
    bad.write_text('from gdexplain.i18n import tr\nx = 3\ny = tr(f"{x} steps")\n', encoding="utf-8")
    with pytest.raises(i18n.MarkingError, match="bad.py:3: tr"):
        i18n.extract([bad])


def test_placeholders_ignore_literal_braces():
    assert i18n.placeholders("{a} and {b:.2f} but not {{c}}") == {"a", "b"}


def test_an_unknown_language_is_a_one_line_error_naming_the_fix(monkeypatch):
    with pytest.raises(InputError, match=r"unknown language 'fr': use one of en, zh .*gdexplain translations fr"):
        i18n.check_language("fr")
    monkeypatch.setenv("GDEXPLAIN_LANG", "zh")
    assert i18n.check_language(None) == "zh"


def test_update_translations_writes_a_new_language_with_every_string_and_keeps_old_translations(tmp_path, monkeypatch):
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    counts = i18n.update_translations("fr")
    wanted = {m.key for m in i18n.extract()}
    per_file = {(m.domain, m.key) for m in i18n.extract()}  # a string used by two scene modules is in both files
    written = {e.key for p in (tmp_path / "fr").glob("*.po") for e in i18n.read_po(p)}
    assert written == wanted and sum(counts.values()) == len(per_file)
    first = i18n.read_po(tmp_path / "fr" / "gdexplain.po")[0]
    first.msgstr = ["traduit"]
    i18n.write_po(tmp_path / "fr" / "gdexplain.po", [first], "fr")
    counts = i18n.update_translations("fr")
    kept = {e.key: e.msgstr for e in i18n.read_po(tmp_path / "fr" / "gdexplain.po")}
    assert kept[first.key] == ["traduit"] and sum(counts.values()) == len(per_file) - 1
    i18n.catalog.cache_clear()


def test_file_names_keep_both_editions_side_by_side():
    q = QUALITIES["low"]
    assert output_path(Path("media"), q, "momentum", "mp4") == Path("media/low/momentum.mp4")
    assert output_path(Path("media"), q, "momentum", "mp4", "zh") == Path("media/low/momentum.zh.mp4")
    assert edition_stem("lecture", "zh") == "lecture.zh"


def test_chinese_cues_break_at_punctuation_never_inside_a_word():
    sentence = "学习率太大时，每一步都越过谷底，落到对面更高的地方；损失不降反升，最后越跳越远，完全发散。"
    text = sentence + "于是我们把学习率调小一些。"
    groups = narration.cue_groups(text)
    assert len(groups) >= 2 and "".join(groups) == text
    for g in groups:
        assert g[-1] in "，；：。！？", g  # every cue ends where the sentence pauses
        assert narration._cue_width(g) <= narration.MAX_CUE_CHARS


def test_chinese_is_timed_by_characters():
    assert narration.speech_seconds("梯度下降") == pytest.approx(4 / narration.CJK_CHARS_PER_SECOND)


def test_a_chinese_script_is_chinese_from_its_header(tiny_scene):
    from gdexplain.render import narration_script

    def construct(self):
        with self.narrate("小球沿着坡度往下走。"):
            self.wait(0.5)

    tiny_scene(construct)
    entry = get_entry("ball-downhill")
    text = narration_script(entry, lang="zh")
    with i18n.using("zh"):
        title = i18n.tr(entry.title)
    assert text.startswith(f"# {title}\n") and "场景 `ball-downhill`" in text, text[:200]


def test_numbers_are_said_in_the_narration_language():
    with i18n.using("zh"):
        assert narration.spoken_number(-22) == "负22"
        assert narration.spoken_number(4e-5) == "4乘以10的负5次方"
    assert narration.spoken_number(-22) == "minus 22"


# --- the catalogs against the code -------------------------------------------------------------


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_marked_string_has_a_translation_with_the_same_placeholders(lang):
    table = i18n.catalog(lang)
    missing, wrong = [], []
    for m in i18n.extract():
        forms = table.get(m.key)
        if not forms or not all(forms):
            missing.append(f"{m.reference}: {m.msgid!r}")
            continue
        for form in forms:
            if i18n.placeholders(form) != i18n.placeholders(m.msgid) | (i18n.placeholders(m.plural) if m.plural else set()):
                wrong.append(f"{m.reference}: {m.msgid!r} → {form!r}")
    assert not missing, f"{len(missing)} strings have no {lang} translation (run `gdexplain translations {lang}`):\n" + "\n".join(missing)
    assert not wrong, "translations with other placeholders than the English:\n" + "\n".join(wrong)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_each_string_is_translated_in_its_own_file_and_one_way(lang):
    by_key: dict = {}
    misplaced = []
    for m in i18n.extract():
        path = i18n.LOCALE_DIR / lang / f"{m.domain}.po"
        keys = {e.key for e in i18n.read_po(path)} if path.exists() else set()
        if m.key not in keys:
            misplaced.append(f"{m.reference}: {m.msgid!r} belongs in {path.name}")
    for path in sorted((i18n.LOCALE_DIR / lang).glob("*.po")):
        for e in i18n.read_po(path):
            by_key.setdefault(e.key, set()).add(tuple(e.msgstr))
    assert not misplaced, "\n".join(misplaced)
    clashes = {k: v for k, v in by_key.items() if len(v) > 1}
    assert not clashes, f"translated two ways (give one of them a context=): {clashes}"


# --- every scene, in every language -------------------------------------------------------------


def _names_kept_as_written(lang: str) -> set[str]:
    """Latin words a translation may keep: method and surface names, and any word the translators kept."""
    kept = {w.lower() for name in OPTIMIZERS for w in re.findall(r"[A-Za-z]{2,}", name)}
    kept |= {w.lower() for cls in OPTIMIZERS.values() for w in re.findall(r"[A-Za-z]{2,}", str(getattr(cls, "short", "")))}
    kept |= {w.lower() for name in SURFACES for w in re.findall(r"[A-Za-z]{2,}", name)}
    for forms in i18n.catalog(lang).values():
        kept |= {w.lower() for f in forms for w in re.findall(r"[A-Za-z]{2,}", f)}
    return kept


def english_left(text: str, lang: str) -> list[str]:
    """Latin words in ``text`` that no translation of ``lang`` keeps: English that was never translated."""
    kept = _names_kept_as_written(lang)
    return [w for w in re.findall(r"[A-Za-z]{2,}", text) if w.lower() not in kept]


def _scene_params():
    for lang in TRANSLATED:
        for e in entries():
            yield pytest.param(e.slug, lang, id=f"{e.slug}-{lang}")


@pytest.mark.slow
@pytest.mark.parametrize(("slug", "lang"), list(_scene_params()))
def test_every_scene_in_every_language(last_frames, slug, lang):
    frame = last_frames(slug, lang)
    assert frame.png.exists() and frame.png.name == f"{slug}.{lang}.png"
    assert not frame.untranslated, "asked for with no translation:\n" + "\n".join(repr(m) for m in sorted(frame.untranslated, key=str))
    from gdexplain import layout

    assert frame.monitor.checks > 0 and not frame.monitor.collisions, layout.report(frame.monitor.collisions)
    on_screen = {w: english_left(w, lang) for w in frame.monitor.words_shown}
    assert not {w: e for w, e in on_screen.items() if e}, f"English on screen in {lang}: {on_screen}"
    assert frame.beats, "no narration"
    for beat in frame.beats:
        assert not english_left(beat.text, lang), f"English in the {lang} narration: {beat.text!r}"
        assert re.search(r"[\u4e00-\u9fff]", beat.text), f"a beat with no Chinese: {beat.text!r}"
    cues = narration.cues_of(frame.beats)
    srt = narration.cues_to_srt(cues)
    assert narration.parse_srt(srt) and all(c.text for c in cues)
    for cue in cues:
        assert narration._cue_width(cue.text) <= narration.MAX_CUE_CHARS or not re.search(r"[，；：]", cue.text[:-1]), cue.text
