"""Which Chinese polyphones the Mandarin voice reads by a character's default reading: a list to check by ear and eye.

Usage::

    .venv/bin/python scripts/pinyin_audit.py [PO_FILE ...] [--all]

Reads every translation of the given PO files (default: all of
``src/gdexplain/locale/zh/``) and prints, for each character with several
readings that pypinyin read alone (not inside a word of its phrase
dictionary or of ``gdexplain.spoken_zh.PHRASES``), the syllable it chose and
where it stands. Most are right (的 de5, 是 shi4); one that is wrong gets a
phrase in ``spoken_zh.PHRASES`` (``"卡住": "qiǎ zhù"``), or, when the
character is nearly always read one way in this lecture, an entry in
``spoken_zh.SINGLE_READINGS``. ``--all`` also lists the characters whose
reading is almost never wrong (的, 是, 一, 不 …), which are hidden otherwise.
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
from gdexplain import i18n, spoken_zh  # noqa: E402

#: Polyphones whose everyday reading is the default one here (hidden unless --all); 一 and 不 get their tone changes anyway.
SAFE = set("的是一不了个着么和它以也这上从看会有都把之大")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("po", nargs="*", type=Path)
    parser.add_argument("--all", action="store_true", help="also list the characters that are almost always read right")
    args = parser.parse_args()
    files = args.po or sorted((i18n.LOCALE_DIR / "zh").glob("*.po"))
    where: dict[tuple[str, str], set[str]] = collections.defaultdict(set)
    for path in files:
        for entry in i18n.read_po(path):
            for text in entry.msgstr:
                for run, char, syllable in spoken_zh.unsure_readings(text):
                    if args.all or char not in SAFE:
                        i = run.index(char)
                        where[(char, syllable)].add(run[max(0, i - 4) : i + 5])
    for (char, syllable), contexts in sorted(where.items(), key=lambda kv: -len(kv[1])):
        print(f"{char} {syllable:<7} {len(contexts):>3}  " + " | ".join(sorted(contexts)[:10]))
    print(f"{len(where)} characters read alone, from {len(files)} PO files", file=sys.stderr)


if __name__ == "__main__":
    main()
