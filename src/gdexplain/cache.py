"""A content-addressed render cache: a render whose inputs did not change reuses the earlier files.

The key of a render is a SHA-256 over everything its files depend on:

* the scene's module (``scenes/<module>.py``) and every file of the
  gdexplain package a render of it can read (:func:`render_sources`: the
  import closure of the scene and of ``render_scene``, and the
  translations), so an edit of the command line or the cache itself
  renders nothing again;
* the scene's resolved settings (defaults filled in, so ``--set lr=0.4``
  and no ``--set`` at all share a key when 0.4 is the default);
* every keyword argument of :func:`gdexplain.render.render_scene`
  (quality, format, transparency, and any argument added later, such as a
  voice or a language: the signature is read, not listed here);
* the narration pace (``--wpm``/``GDEXPLAIN_WPM``) and the versions of
  Manim, PyAV, pycairo and ManimPango;
* with a voice, the voice's identity (:attr:`gdexplain.voice.Narrator.identity`):
  the espeak-ng version, or piper-tts's version and the SHA-256 of the
  Piper model file, so a new engine or another model with the same name
  re-renders.

Entries live in ``<output_dir>/.cache/<key>/``: the video, its side files
and ``result.json``. An entry appears by one atomic rename of a folder
written completely beforehand, so a render killed at any moment leaves no
entry (its half-built folder is a staging folder, swept like the others).
Files are hard-linked between the cache and the output folder where the
file system allows, so the cache costs no extra space for current outputs;
each file's SHA-256 is checked on reuse, so an output edited in place (which
edits its cached twin) makes its entry a miss, never a wrong video.
Delete ``<output_dir>/.cache`` to empty it.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import os
import re
import shutil
from collections.abc import Callable, Mapping
from dataclasses import asdict
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import gdexplain
from gdexplain import outputs
from gdexplain.catalog import SceneEntry
from gdexplain.chunks import Play
from gdexplain import render as rendering
from gdexplain.render import RenderResult, output_path, quality

CACHE = ".cache"
RESULT_FILE = "result.json"
#: Arguments of render_scene that say where files go or which part is drawn, not what the video is.
NOT_CONTENT = ("entry", "output_dir", "overrides", "chunk")
LIBRARIES = ("manim", "av", "pycairo", "manimpango")
#: Says when a damaged entry is rendered again (``gdexplain render`` prints it as one line on stderr).
log = logging.getLogger("gdexplain.cache")


def _digest_files(paths: list[Path], root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(paths):
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


#: Where a render starts reading the package: render_scene and what it calls, besides the scene module's own imports.
RENDER_ROOTS = ("gdexplain.render", "gdexplain.scene")
_IMPORTS: dict[tuple[Path, int, int], frozenset[str]] = {}


def _package_root() -> Path:
    return Path(gdexplain.__file__).resolve().parent


def _module_file(name: str) -> Path | None:
    """The file of module ``gdexplain.x.y`` in the package (None: not a module of the package)."""
    parts = name.split(".")
    if parts[0] != "gdexplain":
        return None
    base = _package_root().joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


_IMPORT_LINE = re.compile(
    r"^[ \t]*(?:import[ \t]+(gdexplain[\w.]*)|from[ \t]+(gdexplain[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]*))", re.MULTILINE
)


def _imports_of(path: Path) -> frozenset[str]:
    """Every ``gdexplain`` module ``path`` imports, at the top or inside a function (read, not run).

    A regular expression over the source rather than a parse: the closure is
    computed on every command, and a cache hit must answer at once.
    """
    stat = path.stat()
    known = _IMPORTS.get((path, stat.st_mtime_ns, stat.st_size))
    if known is not None:
        return known
    found: set[str] = set()
    for plain, module, names in _IMPORT_LINE.findall(path.read_text(encoding="utf-8")):
        if plain:
            found.add(plain)
            continue
        found.add(module)
        for name in re.split(r"[\s,()]+", names):
            if name and name != "as" and name.isidentifier():
                found.add(f"{module}.{name}")  # a submodule, or just a name (then no such file)
    _IMPORTS[(path, stat.st_mtime_ns, stat.st_size)] = frozenset(found)
    return frozenset(found)


def render_sources(entry: SceneEntry) -> list[Path]:
    """The package files a render of ``entry`` can read: the import closure of its scene module and of :data:`RENDER_ROOTS`, and the translations.

    Editing the command line, the cache or the lecture joiner changes no
    video, so it re-renders nothing.
    """
    import gdexplain.catalog as catalog  # read at call time: tests point it elsewhere

    root = _package_root()
    files: set[Path] = set(root.glob("locale/*/*.po"))
    todo = [_module_file(name) for name in RENDER_ROOTS]
    scene_file = Path(catalog.SCENES_DIR) / f"{entry.module}.py"
    todo.append(scene_file if scene_file.exists() else None)
    seen: set[Path] = set()
    while todo:
        path = todo.pop()
        if path is None or path in seen:
            continue
        seen.add(path)
        if path.is_relative_to(root):
            files.add(path)
        for name in _imports_of(path):
            parts = name.split(".")
            for i in range(1, len(parts) + 1):  # gdexplain.visual.theme reads gdexplain/__init__ and visual/__init__ too
                todo.append(_module_file(".".join(parts[:i])))
    return sorted(files)


def render_sources_digest(entry: SceneEntry) -> str:
    """A digest of :func:`render_sources`."""
    return _digest_files(render_sources(entry), _package_root())


def package_digest() -> str:
    """A digest of every file of the installed gdexplain package (compiled files aside)."""
    root = Path(gdexplain.__file__).resolve().parent
    files = [p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"]
    return _digest_files(files, root)


def scene_digest(entry: SceneEntry) -> str:
    """A digest of the scene's module file."""
    import gdexplain.catalog as catalog  # read at call time: tests point it elsewhere

    path = Path(catalog.SCENES_DIR) / f"{entry.module}.py"
    return _digest_files([path], path.parent) if path.exists() else "missing"


@lru_cache(maxsize=None)
def _library_versions() -> tuple[tuple[str, str], ...]:
    out = []
    for name in LIBRARIES:
        try:
            out.append((name, version(name)))
        except PackageNotFoundError:
            out.append((name, "absent"))
    return tuple(out)


def _canonical(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


def render_arguments(entry: SceneEntry, options: Mapping[str, Any]) -> dict[str, Any]:
    """Every keyword argument :func:`gdexplain.render.render_scene` would run with (defaults filled in), minus the non-content ones.

    Raises ``TypeError`` for an argument ``render_scene`` does not take.
    """
    bound = inspect.signature(rendering.render_scene).bind(entry, **options)
    bound.apply_defaults()
    args = {k: v for k, v in bound.arguments.items() if k not in NOT_CONTENT}
    if "quality_name" in args:
        args["quality_name"] = quality(args["quality_name"]).name  # "l" and "low" are one quality
    return args


def render_key(entry: SceneEntry, settings: Mapping[str, Any], options: Mapping[str, Any]) -> str:
    """The cache key of rendering ``entry`` with resolved ``settings`` and render_scene ``options``."""
    from gdexplain.narration import speech_rate

    arguments = render_arguments(entry, options)
    inputs = {
        "slug": entry.slug,
        "scene_source": scene_digest(entry),
        "package_source": render_sources_digest(entry),
        "settings": _canonical(settings),
        "render_arguments": _canonical(arguments),
        "speech_rate": speech_rate(),
        "libraries": dict(_library_versions()),
        "voice": voice_identity(arguments.get("voice", "none"), arguments.get("lang", "en"), arguments.get("fmt")),
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def voice_identity(spec: str | None, lang: str = "en", fmt: str | None = None) -> str:
    """What makes a voice sound as it does (engine version, voice file digest, rate, language); ``none`` when silent."""
    from gdexplain.core.errors import InputError
    from gdexplain.voice import load_voice

    if fmt == "png" or spec in (None, "none"):  # a still is rendered without a voice
        return "none"
    try:
        narrator = load_voice(spec, lang)
    except InputError:  # render_scene will say why in one line; the key just has to differ
        return f"unusable {spec} {lang}"
    return narrator.identity if narrator else "none"


def _cache_dir(output_dir: Path, key: str) -> Path:
    return Path(output_dir) / CACHE / key


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def has(output_dir: Path, key: str) -> bool:
    """Whether an entry for ``key`` is stored (its files are checked only when :func:`restore` uses them)."""
    return (_cache_dir(output_dir, key) / RESULT_FILE).is_file()


def restore(entry: SceneEntry, key: str, *, quality_name: str, fmt: str, output_dir: Path, lang: str = "en") -> RenderResult | None:
    """Put the cached files of ``key`` in place and return their result, or ``None`` on a miss.

    A damaged entry (``result.json`` unreadable, a file missing or changed)
    is a miss too: it is removed, so the render that follows stores a whole
    one, and a warning on the ``gdexplain.cache`` logger says so. Errors
    writing the outputs (a full disk) are raised.
    """
    folder = _cache_dir(output_dir, key)
    if not folder.exists():
        return None
    q = quality(quality_name)
    final = output_path(output_dir, q, entry.slug, fmt, lang)
    staging = outputs.new_staging(output_dir, f"{entry.slug}-cached")
    try:
        meta, files = _checked_entry(folder)
        side = outputs.install(_staged(folder, files, staging), final, q.name, output_dir)
    except DamagedEntry as damage:
        log.warning("the cached render of %s was damaged (%s): rendering it again", entry.slug, damage)
        _remove(folder, output_dir)
        return None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return RenderResult(entry.slug, final, meta["duration"], meta["frames"], side, cached=True)


def _staged(folder: Path, files: Mapping[str, str | None], staging: Path) -> dict[str, Path | None]:
    """An entry's files linked (or copied) into ``staging``, by suffix, for :func:`gdexplain.outputs.install`."""
    placed: dict[str, Path | None] = {}
    for suffix, name in files.items():
        placed[suffix] = None if name is None else staging / name
        if name is not None:
            try:
                _link_or_copy(folder / name, staging / name)
            except FileNotFoundError:  # removed since it was checked
                raise DamagedEntry(f"{name} is missing") from None
    return placed


class DamagedEntry(Exception):
    """A cache entry that cannot be used: what is wrong with it."""


def _checked_entry(folder: Path) -> tuple[dict[str, Any], dict[str, str | None]]:
    """An entry's ``result.json`` and its files by suffix, each file checked against its recorded SHA-256."""
    try:
        meta = json.loads((folder / RESULT_FILE).read_text(encoding="utf-8"))
        files, sums = dict(meta["files"]), meta["sha256"]
        float(meta["duration"]), int(meta["frames"])
    except FileNotFoundError:
        raise DamagedEntry(f"no {RESULT_FILE}") from None
    except (OSError, ValueError, KeyError, TypeError):
        raise DamagedEntry(f"{RESULT_FILE} is unreadable") from None
    for name in files.values():
        if name is None:
            continue
        try:
            same = _sha256(folder / name) == sums[name]
        except (OSError, KeyError, TypeError):
            raise DamagedEntry(f"{name} is missing") from None
        if not same:
            raise DamagedEntry(f"{name} changed since it was cached")  # e.g. an output edited in place (hard link)
    return meta, files


def _remove(folder: Path, output_dir: Path) -> None:
    """Remove an entry at once (moved aside into a staging folder, then deleted there)."""
    aside = outputs.new_staging(output_dir, "cache-damaged")
    try:
        os.rename(folder, aside / "entry")
    except FileNotFoundError:  # removed meanwhile
        pass
    finally:
        shutil.rmtree(aside, ignore_errors=True)


def _whole(folder: Path) -> bool:
    try:
        _checked_entry(folder)
    except DamagedEntry:
        return False
    return True


def store(key: str, files: Mapping[str, Path | None], duration: float, frames: int, output_dir: Path) -> None:
    """Record a finished render's staged files under ``key`` (call before they are moved into place).

    The entry is built in a staging folder and appears by one rename; if
    another render stored the same key meanwhile, that entry is kept (a
    damaged one is replaced).
    """
    target = _cache_dir(output_dir, key)
    if target.exists() and _whole(target):
        return
    building = outputs.new_staging(output_dir, f"cache-{key[:12]}")
    try:
        names: dict[str, str | None] = {}
        for suffix, source in files.items():
            names[suffix] = None if source is None else source.name
            if source is not None:
                _link_or_copy(source, building / source.name)
        sums = {name: _sha256(building / name) for name in names.values() if name is not None}
        meta = {"files": names, "sha256": sums, "duration": duration, "frames": frames}
        (building / RESULT_FILE).write_text(json.dumps(meta), encoding="utf-8")
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists() and not _whole(target):  # a damaged entry (see restore): the new one replaces it
            _remove(target, output_dir)
        try:
            os.rename(building, target)
        except OSError:  # the same key was stored meanwhile
            pass
    finally:
        shutil.rmtree(building, ignore_errors=True)



def plays(
    entry: SceneEntry,
    settings: Mapping[str, Any],
    fps: int,
    output_dir: Path,
    compute: Callable[[], list[Play]],
    lang: str = "en",
    earlier: bool = False,
) -> tuple[list[Play], bool]:
    """The plays of a scene (for cutting it into chunks) and whether they are exactly this scene's.

    The kept plan (:func:`kept_plays`), else ``compute`` runs the planning
    dry run and its plan is kept.
    """
    kept = kept_plays(entry, settings, fps, output_dir, lang, earlier)
    if kept is not None:
        return kept
    found = compute()
    store_plays(entry, settings, fps, output_dir, found, lang)
    return found, True


def kept_plays(
    entry: SceneEntry,
    settings: Mapping[str, Any],
    fps: int,
    output_dir: Path,
    lang: str = "en",
    earlier: bool = False,
) -> tuple[list[Play], bool] | None:
    """The kept plan of a scene and whether it is exactly this scene's (None: none kept).

    A plan is kept per scene source, settings, frame rate and language in
    ``<output_dir>/.cache/plans/``. With ``earlier``, when there is none for
    the scene as it is, the last plan kept for it at this frame rate and
    language (before an edit) is returned, marked inexact.
    """
    candidates = [(_plan_path(entry, settings, fps, output_dir, lang), True)]
    if earlier:
        candidates.append((_latest_plan_path(entry, fps, output_dir, lang), False))
    for path, exact in candidates:
        try:
            return [Play(**p) for p in json.loads(path.read_text(encoding="utf-8"))], exact
        except (OSError, ValueError, TypeError):
            pass
    return None


def store_plays(
    entry: SceneEntry,
    settings: Mapping[str, Any],
    fps: int,
    output_dir: Path,
    found: list[Play],
    lang: str = "en",
) -> None:
    """Keep ``found`` as the plan of the scene as it is now, and as its latest plan (see :func:`plays`)."""
    text = json.dumps([asdict(p) for p in found])
    for path in (_plan_path(entry, settings, fps, output_dir, lang), _latest_plan_path(entry, fps, output_dir, lang)):
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        try:
            partial.write_text(text, encoding="utf-8")
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)  # a write cut short (a full disk) leaves no partial plan


def _plan_path(
    entry: SceneEntry, settings: Mapping[str, Any], fps: int, output_dir: Path, lang: str
) -> Path:
    from gdexplain.narration import speech_rate

    inputs = {
        "slug": entry.slug,
        "scene_source": scene_digest(entry),
        "package_source": render_sources_digest(entry),
        "settings": _canonical(settings),
        "fps": fps,
        "lang": lang,  # the words set how long each beat waits
        "speech_rate": speech_rate(),
        "libraries": dict(_library_versions()),
    }
    key = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
    return Path(output_dir) / CACHE / "plans" / f"{key}.json"


def _latest_plan_path(entry: SceneEntry, fps: int, output_dir: Path, lang: str) -> Path:
    return Path(output_dir) / CACHE / "plans" / f"latest-{entry.slug}-{fps}fps-{lang}.json"
