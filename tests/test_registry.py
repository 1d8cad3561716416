"""One registry entry per optimizer: its class declares title, short name, colour and race rate."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import pytest

from gdexplain.core.optimizers import GD, OPTIMIZERS, PRESENTATION, register
from gdexplain.core.race import default_lr, short_name
from gdexplain.core.surfaces import get_surface


def test_every_optimizer_declares_its_presentation_and_colours_are_distinct():
    colors = [cls.color.lower() for cls in OPTIMIZERS.values()]
    assert len(set(colors)) == len(colors)
    for name, cls in OPTIMIZERS.items():
        assert all(f in vars(cls) for f in PRESENTATION), name
        assert short_name(name) == cls.short
        assert default_lr(name, get_surface("saddle-point")) > 0


def test_a_class_without_a_colour_is_refused():
    @dataclasses.dataclass(frozen=True)
    class Plain(GD):
        name: ClassVar[str] = "plain"
        title: ClassVar[str] = "Plain"
        short: ClassVar[str] = "Plain"
        race_lr: ClassVar[float] = 0.1
        race_lr_scales: ClassVar[bool] = False

    with pytest.raises(TypeError, match="color"):
        register(Plain)  # it would inherit GD's colour: refused, not silently drawn like GD


def test_a_shared_colour_is_refused():
    @dataclasses.dataclass(frozen=True)
    class Copy(GD):
        name: ClassVar[str] = "copy"
        title: ClassVar[str] = "Copy"
        short: ClassVar[str] = "Copy"
        color: ClassVar[str] = GD.color
        race_lr: ClassVar[float] = 0.1
        race_lr_scales: ClassVar[bool] = False

    with pytest.raises(TypeError, match="colour"):
        register(GD, Copy)


def test_theme_colour_comes_from_the_registry_and_unknown_names_raise():
    from gdexplain.core.errors import InputError
    from gdexplain.visual import theme

    for name, cls in OPTIMIZERS.items():
        assert theme.method_color(name) == cls.color
    with pytest.raises(InputError, match="adam"):
        theme.method_color("adamm")
