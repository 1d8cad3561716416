"""The ``gdexplain`` command line: list, render, lecture, script, trace.

Every bad input ends in one line naming the fix and a non-zero exit. The
rendering commands import Manim only when they run, so ``trace`` stays fast.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from gdexplain.core.errors import InputError, closest
from gdexplain.core.hyperparams import hyperparameters


def _fail(message: str) -> "click.ClickException":
    return click.ClickException(message)


def _parse_pairs(pairs: tuple[str, ...], what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, eq, value = pair.partition("=")
        if not eq or not key.strip():
            raise _fail(f"{what} {pair!r} is not KEY=VALUE: write it like beta1=0.9")
        if key.strip() in out:
            raise _fail(f"{what} {key.strip()} is given twice ({out[key.strip()]} and {value.strip()}): give each key once")
        out[key.strip()] = value.strip()
    return out


def _trace_epilog() -> str:
    from gdexplain.core.optimizers import OPTIMIZERS
    from gdexplain.core.schedules import SCHEDULES
    from gdexplain.core.surfaces import SURFACES

    lines = ["\b", "Surfaces (coordinates; default start):"]
    for s in SURFACES.values():
        start = ",".join(f"{c:g}" for c in s.default_start)
        lines.append(f"  {s.name:<18} ({', '.join(s.coords)}; {start})")
    lines.append('  "x**2 + 10*y**2"   or any formula in x and y (--range sets its plotting range)')
    lines += ["", "\b", "Optimizers and their --param names (default):"]
    for name, cls in OPTIMIZERS.items():
        params = ", ".join(f"{h.name}={h.default}" for h in hyperparameters(cls))
        extra = ", inner=adam (its own parameters pass through)" if name == "lookahead" else ""
        lines.append(f"  {name:<10} {params}{extra}")
    lines += ["", "\b", "Schedules for --schedule NAME[:key=value,...]:"]
    for name, cls in SCHEDULES.items():
        params = ", ".join(f"{h.name}={h.default}" for h in hyperparameters(cls))
        extra = ", then=constant" if name == "warmup" else ""
        lines.append(f"  {name:<13} {params}{extra}")
    lines += [
        "",
        "\b",
        "Columns: step, coordinates, loss, grad_* (gradient at the point), then what the",
        "optimizer records: g_* (the gradient the step used), delta_* (the step), lr, and",
        "its state (velocity, m, v, m_hat, v_hat, sq_grad_sum, ...). Row 0 is the start.",
    ]
    return "\n".join(lines)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="gdexplain")
def main() -> None:
    """Explainer videos about gradient descent, with exact numbers from a tested core."""


@main.command(epilog=_trace_epilog())
@click.option("--surface", default="rosenbrock", show_default=True,
              help="Surface slug (listed below), or a formula in x and y, e.g. \"x**2 + 10*y**2\".")
@click.option("--range", "plot_range", default=None, metavar="X0,X1,Y0,Y1",
              help="Plotting range of the surface, e.g. -3,3,-2,2 [default: the surface's; a formula's -3,3,-3,3].")
@click.option("--optimizer", "optimizer_name", default="gd", show_default=True, help="Optimizer name (listed below).")
@click.option("--lr", type=str, multiple=True, help="Learning rate [default: the optimizer's].")
@click.option("--start", default=None, help="Start point, comma-separated, e.g. -1.2,1 [default: the surface's].")
@click.option("--steps", type=int, default=100, show_default=True, help="Most steps to take.")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE", help="Optimizer hyperparameter (repeatable).")
@click.option("--schedule", default=None, metavar="NAME[:K=V,...]", help="Learning-rate schedule, e.g. cosine or step:every=20.")
@click.option("--batch-size", type=int, default=None, help="Mini-batch size on data surfaces (1 = SGD).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the mini-batch draws.")
@click.option("--tol", type=float, default=None, help="Stop once the gradient norm is below this.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
def trace(surface, plot_range, optimizer_name, lr, start, steps, params, schedule, batch_size, seed, tol, fmt) -> None:
    """Print every step of one optimizer run: the numbers behind every video."""
    from gdexplain.core import trace as trace_table
    from gdexplain.core.optimizers import make_optimizer
    from gdexplain.core.schedules import parse_schedule
    from gdexplain.core.surfaces import get_surface
    from gdexplain.core.trajectory import Walk, run

    try:
        surf = get_surface(surface, None if plot_range is None else _parse_range(plot_range))
        hyper = _parse_pairs(params, "--param")
        if len(lr) > 1:
            raise InputError("give the learning rate once: --lr appears more than once")
        if lr:
            lr = lr[0]
            if "lr" in hyper:
                raise InputError("give the learning rate once: either --lr or --param lr=…")
            hyper["lr"] = lr
        opt = make_optimizer(optimizer_name, **hyper)
        start_point = None if start is None else _parse_start(start)
        sched = parse_schedule(schedule) if schedule else None
        make = Walk if fmt == "csv" else run  # CSV is written as it is computed: bounded memory for any --steps
        traj = make(opt, surf, start_point, steps, schedule=sched, tol=tol, batch_size=batch_size, seed=seed)
    except InputError as err:
        raise _fail(str(err)) from None
    if isinstance(traj, Walk):
        for piece in trace_table.stream_csv(traj):
            click.echo(piece, nl=False)
    else:
        click.echo(trace_table.render(traj, fmt), nl=False)
    if traj.diverged_at is not None:
        click.echo(f"note: {traj.optimizer.name} {traj.status}: the table stops at the last finite point", err=True)


def _lang_option(command):
    """``--lang CODE``: the language of the narration and the on-screen words (default $GDEXPLAIN_LANG, then en)."""

    def checked(ctx, param, value):  # noqa: ANN001, ARG001 - click's callback signature
        from gdexplain.i18n import check_language

        try:
            return check_language(value)
        except InputError as err:
            raise _fail(str(err)) from None

    return click.option(
        "--lang",
        default=None,
        metavar="CODE",
        callback=checked,
        help="Language of the narration and on-screen words: en or zh (Simplified Chinese). Also $GDEXPLAIN_LANG.",
    )(command)


@main.command("list")
@_lang_option
def list_scenes(lang) -> None:
    """List the scenes in lecture order, with their --set parameters."""
    from gdexplain import i18n
    from gdexplain.catalog import entries

    with i18n.using(lang):
        for i, entry in enumerate(entries(), 1):
            click.echo(f"{i:>2}. {entry.slug:<16} {i18n.tr(entry.title)}")
            click.echo(f"    {i18n.tr(entry.description)}")
            for p in entry.params:
                click.echo(f"      --set {p.describe()}")


def _quality_help() -> str:
    from gdexplain.render import PUBLIC_QUALITIES, QUALITIES

    return ", ".join(f"{n} ({QUALITIES[n].short}, {QUALITIES[n].height}p{QUALITIES[n].fps})" for n in PUBLIC_QUALITIES)


def _scale_options(command):
    """``--jobs``, ``--cluster`` and ``--force``: how ``render`` and ``lecture`` spread and reuse their work."""
    command = click.option("--force", is_flag=True, help="Render even when an unchanged earlier render is cached.")(command)
    command = click.option(
        "--cluster", default=None, metavar="tcp://HOST:8786", callback=_checked_cluster, help="Render on this Dask scheduler's workers."
    )(command)
    return click.option(
        "-j", "--jobs", type=click.IntRange(min=1), default=None, help="Worker processes [default: the number of cores]."
    )(command)


def _checked_cluster(ctx, param, value):  # noqa: ANN001, ARG001 - click's callback signature
    """``--cluster``'s address, checked before anything runs (a malformed one would stall Dask's client)."""
    from gdexplain.cluster import check_address

    try:
        return None if value is None else check_address(value)
    except InputError as err:
        raise _fail(str(err)) from None


def _voice_option(command):
    """``--voice ENGINE[:VOICE]``, defaulting to $GDEXPLAIN_VOICE, then none."""
    from gdexplain.voice import VOICE_ENV

    return click.option(
        "--voice",
        envvar=VOICE_ENV,
        default="none",
        show_default=True,
        metavar="ENGINE[:VOICE]",
        help=f"Narrate on the soundtrack: none, espeak (espeak:en-gb …; Mandarin with --lang zh) or piper (the English "
        f"neural voice; `bash scripts/setup.sh --voice piper` installs it). Also ${VOICE_ENV}.",
    )(command)


@main.command()
@click.argument("slugs", nargs=-1)
@click.option("--all", "render_all", is_flag=True, help="Render every scene, in lecture order.")
@click.option("-q", "--quality", "quality_name", default="low", show_default=True, help=f"One of: {_quality_help()}.")
@click.option("--format", "fmt", default="mp4", show_default=True, help="mp4, gif, webm, mov, or png (the last frame).")
@click.option("--transparent", is_flag=True, help="Transparent background (mov, webm or png).")
@click.option("--preview", is_flag=True, help="Open each file when it is ready.")
@click.option("--output-dir", type=click.Path(file_okay=False), default="media", show_default=True)
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Scene parameter (see `gdexplain list`).")
@click.option("--wpm", type=float, default=None, help="Narration pace in words per minute [default: 150].")
@_scale_options
@_voice_option
@_lang_option
def render(slugs, render_all, quality_name, fmt, transparent, preview, output_dir, sets, wpm, jobs, cluster, force, voice, lang) -> None:
    """Render scenes to media/<quality>/<slug>.<ext>, with .srt, .vtt and .script.md beside each video.

    The default quality is low (480p15), for quick previews; use -q high for 1080p60.
    Scenes render in parallel; a scene whose inputs did not change is reused from
    <output-dir>/.cache; one scene alone is cut into chunks for the workers.
    With --lang zh the files are named <slug>.zh.<ext>, beside the English ones.
    """
    from gdexplain.faults import one_line_faults

    with _pace(wpm), _interruptible(), one_line_faults(output_dir):
        _render(
            slugs, render_all, quality_name, fmt, transparent, preview, output_dir, sets, jobs, cluster, force,
            _checked_voice(voice, lang), lang,
        )


def _render(
    slugs, render_all, quality_name, fmt, transparent, preview, output_dir, sets, jobs=None, cluster=None, force=False, voice="none", lang="en"
) -> None:
    """Validate every request, then render the scenes (cached, in parallel) and list what was written."""
    from gdexplain.catalog import entries, get_entry
    from gdexplain import outputs
    from gdexplain import render as rendering
    from gdexplain.faults import gif_warning, has_display
    from gdexplain.parallel import needs_rendering, render_many

    try:
        if render_all and slugs:
            raise InputError("give scene names or --all, not both")
        if not render_all and not slugs:
            raise InputError("name a scene to render (see `gdexplain list`) or pass --all")
        chosen = entries() if render_all else [get_entry(s) for s in slugs]
        q = rendering.quality(quality_name)
        rendering.check_request(fmt, transparent)
        overrides = _parse_pairs(sets, "--set")
        _check_settings(chosen, overrides, shared=render_all)
        per_scene = {e.slug: _settings_for(e, overrides, render_all) for e in chosen}
        outputs.check_output_dir(output_dir)
        if needs_rendering(chosen, quality_name=q.name, fmt=fmt, output_dir=output_dir, overrides_by_slug=per_scene,
                           force=force, transparent=transparent, voice=voice, lang=lang):
            rendering.require_manim()  # a request the cache answers whole never loads Manim
    except InputError as err:
        raise _fail(str(err)) from None

    done = 0
    spoken = "" if voice == "none" or fmt == "png" else f" · voice {voice}"
    spoken += "" if lang == "en" else f" · {lang}"
    unopened: list[Path] = []

    def report(result) -> None:
        nonlocal done
        done += 1
        how = "reused from the cache" if result.cached else "rendered"
        click.echo(f"[{done}/{len(chosen)}] {result.slug} · {q.name} ({q.height}p{q.fps}) · {fmt}{spoken} · {how}", err=True)
        if warning := gif_warning(result.path):
            click.echo(f"warning: {warning}", err=True)
        if preview and has_display():
            click.launch(str(result.path))
        elif preview:
            unopened.append(result.path)

    click.echo(f"rendering {len(chosen)} scene{'s' * (len(chosen) != 1)} · {q.name} ({q.height}p{q.fps}) · {fmt}", err=True)
    try:
        results = render_many(
            chosen,
            quality_name=q.name,
            fmt=fmt,
            transparent=transparent,
            output_dir=output_dir,
            overrides_by_slug=per_scene,
            on_result=report,
            jobs=jobs,
            cluster=cluster,
            force=force,
            voice=voice,
            lang=lang,
        )
    except InputError as err:
        raise _fail(str(err)) from None
    click.echo("", err=True)
    for r in results:
        length = "still" if r.path.suffix == ".png" else f"{r.duration:6.1f} s"
        click.echo(f"{r.path}  ({length}, {r.frames} frames)")
        for side in r.side_files:
            click.echo(f"  {side}")
    if unopened:
        where = unopened[0] if len(unopened) == 1 else unopened[0].parent
        click.echo(f"note: --preview needs a display (neither DISPLAY nor WAYLAND_DISPLAY is set): open {where} yourself", err=True)


@contextmanager
def _interruptible() -> Iterator[None]:
    """Ctrl-C and SIGTERM stop the block with every cleanup run, "Aborted!" and exit 130 or 143 (as shells report them)."""
    from gdexplain.parallel import interrupt_exit_code, terminate_as_interrupt

    try:
        with terminate_as_interrupt():
            yield
    except KeyboardInterrupt:
        click.echo("\nAborted!", err=True)
        raise click.exceptions.Exit(interrupt_exit_code()) from None


@contextmanager
def _pace(wpm: float | None) -> Iterator[None]:
    """Run the block with the narration at ``--wpm`` (the narration reads GDEXPLAIN_WPM)."""
    from gdexplain.narration import speech_rate

    saved = os.environ.get("GDEXPLAIN_WPM")
    if wpm is not None:
        os.environ["GDEXPLAIN_WPM"] = repr(wpm)
    try:
        try:
            speech_rate()
        except ValueError as err:
            raise _fail(str(err) if wpm is None else str(err).replace("GDEXPLAIN_WPM=", "--wpm ")) from None
        yield
    finally:
        if saved is None:
            os.environ.pop("GDEXPLAIN_WPM", None)
        else:
            os.environ["GDEXPLAIN_WPM"] = saved


def _declares(entry, key: str) -> bool:
    return any(p.name == key for p in entry.params)


def _check_settings(chosen, overrides: dict[str, str], shared: bool) -> None:
    """Validate every scene's ``--set`` values before anything renders.

    ``shared``: the settings go to several scenes, each taking the keys it
    declares; a key no scene declares is refused.
    """
    if shared:
        unused = [k for k in overrides if not any(_declares(e, k) for e in chosen)]
        if unused:
            known = sorted({p.name for e in chosen for p in e.params})
            near = closest(unused[0], known)
            hint = f"did you mean {', '.join(repr(n) for n in near)}? " if near else ""
            raise InputError(f"no scene takes --set {unused[0]}: {hint}see `gdexplain list` for each scene's parameters")
    for entry in chosen:
        entry.resolve(_settings_for(entry, overrides, shared))


def _settings_for(entry, overrides: dict[str, str], shared: bool) -> dict[str, str]:
    return {k: v for k, v in overrides.items() if not shared or _declares(entry, k)}


def _checked_voice(voice: str, lang: str = "en") -> str:
    """The voice in ``ENGINE:VOICE`` form for ``lang``, or a one-line error naming how to install it."""
    from gdexplain.voice import canonical_voice

    try:
        return canonical_voice(voice, lang)
    except InputError as err:
        raise _fail(str(err)) from None


@main.command()
@click.argument("slug")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Scene parameter (see `gdexplain list`).")
@click.option("-o", "--output", type=click.Path(), default=None, help="Write to this file instead of printing.")  # checked by ReplacedFile
@click.option("--wpm", type=float, default=None, help="Narration pace in words per minute [default: 150].")
@_voice_option
@_lang_option
def script(slug, sets, output, wpm, voice, lang) -> None:
    """Print a scene's narration script with exact beat times, without rendering.

    With --voice the beats are synthesized (or taken from the cache) and timed by their audio.
    """
    from gdexplain.catalog import get_entry
    from gdexplain.faults import ReplacedFile
    from gdexplain.render import narration_script

    try:
        target = None if output is None else ReplacedFile(output, "-o")  # before the dry run: it takes a while
    except InputError as err:
        raise _fail(str(err)) from None
    try:
        with _pace(wpm):
            text = narration_script(get_entry(slug), _parse_pairs(sets, "--set"), voice=_checked_voice(voice, lang), lang=lang)
        if target is None:
            click.echo(text, nl=False)
            return
        target.write(text)
    except InputError as err:
        raise _fail(str(err)) from None
    finally:
        if target is not None:
            target.discard()
    click.echo(f"wrote {output}", err=True)




@main.command()
@click.argument("slugs", nargs=-1)
@click.option("-q", "--quality", "quality_name", default="low", show_default=True, help=f"One of: {_quality_help()}.")
@click.option("--output-dir", type=click.Path(file_okay=False), default="media", show_default=True)
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Scene parameter, given to every scene that takes it.")
@click.option("--wpm", type=float, default=None, help="Narration pace in words per minute [default: 150].")
@_scale_options
@_voice_option
@_lang_option
def lecture(slugs, quality_name, output_dir, sets, wpm, jobs, cluster, force, voice, lang) -> None:
    """Render scenes (default: all, in lecture order) and join them into <quality>/lecture.mp4.

    The video is joined without re-encoding, one chapter per scene, with a soft subtitle
    track; lecture.srt, .vtt, .script.md and .chapters.txt are written beside it.
    With --lang zh it is <quality>/lecture.zh.mp4 (and lecture.zh.srt …).
    """
    from gdexplain.faults import one_line_faults

    with _pace(wpm), _interruptible(), one_line_faults(output_dir):
        _lecture(slugs, quality_name, output_dir, sets, _checked_voice(voice, lang), jobs, cluster, force, lang)


def _lecture(slugs, quality_name, output_dir, sets, voice: str, jobs=None, cluster=None, force=False, lang: str = "en") -> None:
    """Validate, render every scene (progress per scene), join, and summarise."""
    import time

    from gdexplain import i18n, outputs
    from gdexplain import render as rendering
    from gdexplain.catalog import entries, get_entry
    from gdexplain.lecture_video import Part, join
    from gdexplain.parallel import needs_rendering, render_many

    try:
        chosen = [get_entry(s) for s in slugs] if slugs else entries()
        if len({e.slug for e in chosen}) < len(chosen):
            raise InputError("a scene is named twice: give each scene once, in the order to show them")
        q = rendering.quality(quality_name)
        overrides = _parse_pairs(sets, "--set")
        _check_settings(chosen, overrides, shared=True)
        outputs.check_output_dir(output_dir)
        if needs_rendering(chosen, quality_name=q.name, output_dir=output_dir,
                           overrides_by_slug={e.slug: _settings_for(e, overrides, True) for e in chosen}, force=force, voice=voice, lang=lang):
            rendering.require_manim()
    except InputError as err:
        raise _fail(str(err)) from None

    spoken = "silent" if voice == "none" else f"voice {voice}"
    click.echo(f"lecture: {len(chosen)} scenes · {q.name} ({q.height}p{q.fps}) · {spoken} · {lang}", err=True)
    clock = {"last": time.monotonic(), "done": 0}

    def progress(result) -> None:
        now = time.monotonic()
        clock["done"] += 1
        click.echo(
            f"[{clock['done']}/{len(chosen)}] {result.slug:<18} {result.duration:6.1f} s of video "
            + ("(reused from the cache)" if result.cached else f"({now - clock['last']:.0f} s)"),
            err=True,
        )
        clock["last"] = now

    try:
        results = render_many(
            chosen,
            quality_name=q.name,
            output_dir=output_dir,
            overrides_by_slug={e.slug: _settings_for(e, overrides, True) for e in chosen},
            voice=voice,
            on_result=progress,
            jobs=jobs,
            cluster=cluster,
            force=force,
            lang=lang,
        )
        click.echo(f"joining {len(results)} scenes", err=True)
        target = Path(output_dir) / q.name / f"{rendering.edition_stem('lecture', lang)}.mp4"
        with i18n.using(lang):
            parts = [Part.from_files(e.slug, i18n.tr(e.title), r.path) for e, r in zip(chosen, results)]
            lecture_result = join(parts, target, lang)
    except InputError as err:
        raise _fail(str(err)) from None
    click.echo("", err=True)
    size = lecture_result.path.stat().st_size / 1e6
    sound = "with narration" if lecture_result.has_audio else "silent"
    click.echo(f"{lecture_result.path}  ({_minutes(lecture_result.duration)}, {len(parts)} chapters, {sound}, {size:.1f} MB)")
    for chapter in lecture_result.chapters:
        click.echo(f"  {_minutes(chapter.start):>8}  {chapter.title}")
    for side in lecture_result.side_files:
        click.echo(f"  {side}")


def _minutes(seconds: float) -> str:
    m, s = divmod(seconds, 60)
    return f"{int(m)}:{s:04.1f}"


@main.command("translations")
@click.argument("lang")
def translations(lang) -> None:
    """Write or update the PO files of LANG (e.g. fr) under gdexplain/locale/LANG/, one per scene module.

    Every string marked in the code is listed; existing translations are kept.
    Fill in the empty msgstr lines (any PO editor works), then render with --lang LANG.
    """
    from gdexplain import i18n

    lang = i18n.translation_code(lang)  # zh_CN, zh-Hans: zh
    try:
        counts = i18n.update_translations(lang)
    except (InputError, i18n.MarkingError) as err:
        raise _fail(str(err)) from None
    for domain, n in counts.items():
        click.echo(f"{i18n.LOCALE_DIR / lang / (domain + '.po')}: " + (f"{n} to translate" if n else "complete"))


@main.command("check")
@click.argument("slugs", nargs=-1)
@click.option("--all", "check_all", is_flag=True, help="Check every registered scene.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Scene parameter (see `gdexplain list`).")
@_lang_option
def check_layout(slugs, check_all, sets, lang) -> None:
    """Check a scene's layout after every animation, without rendering: overlapping texts, text off the frame, text on a ball."""
    from gdexplain.catalog import entries, get_entry
    from gdexplain.render import layout_collisions

    if check_all == bool(slugs):
        raise _fail("name the scenes to check, or pass --all")
    if sets and len(slugs) != 1:
        raise _fail("--set changes one scene's parameters: name exactly one scene")
    chosen = entries() if check_all else [get_entry(s) for s in slugs]
    found = 0
    try:
        for entry in chosen:
            collisions = layout_collisions(entry, _parse_pairs(sets, "--set"), lang=lang)
            found += len(collisions)
            n = len(collisions)
            click.echo(f"{entry.slug}: " + ("clean" if not n else f"{n} collision{'s' if n > 1 else ''}"))
            for c in collisions:
                click.echo(f"  {c}")
    except InputError as err:
        raise _fail(str(err)) from None
    if found:
        raise SystemExit(1)


def _parse_start(text: str) -> list[float]:
    try:
        return [float(part) for part in text.split(",")]
    except ValueError:
        raise InputError(f"--start {text!r} is not comma-separated numbers: write it like -1.2,1") from None


def _parse_range(text: str) -> tuple[tuple[float, float], tuple[float, float]]:
    from gdexplain.parameters import coerce_range

    values = coerce_range(text, "--range")
    if not values:
        raise InputError("--range is empty: write it like -3,3,-2,2 (x_min,x_max,y_min,y_max)")
    return (values[0], values[1]), (values[2], values[3])
