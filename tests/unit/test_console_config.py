"""The town file's console section: local map tiles, checked like every other section."""

from __future__ import annotations

from pathlib import Path

from console.config import ConsoleConfig
from hub.registry import Registry
from hub.settings import DEFAULT_TOWN
from hub.townfile import load_town
from tests.support import line_of, problems


def with_console(tmp_path: Path, section: str) -> Path:
    path = tmp_path / "town.yaml"
    text = DEFAULT_TOWN.read_text(encoding="utf-8")
    path.write_text(text.replace("\nadapters:\n", f"\nadapters:\n  console:\n{section}", 1), encoding="utf-8")
    return path


def test_without_a_section_the_map_has_no_tiles() -> None:
    assert load_town(DEFAULT_TOWN, Registry.discover()).sections["console"] == ConsoleConfig(tiles=None)


def test_local_tiles_are_read(tmp_path: Path) -> None:
    path = with_console(tmp_path, '    tiles: {url: "http://10.0.0.9/tiles/{z}/{x}/{y}.png", max_zoom: 17}\n')
    tiles = load_town(path, Registry.discover()).sections["console"].tiles
    assert (tiles.url, tiles.min_zoom, tiles.max_zoom) == ("http://10.0.0.9/tiles/{z}/{x}/{y}.png", 10, 17)


def test_a_mistyped_key_or_a_url_without_zoom_is_named(tmp_path: Path) -> None:
    path = with_console(tmp_path, '    tiles: {url: "http://10.0.0.9/tiles/{z}/{x}/{y}.png", colour: dark}\n')
    assert problems(path) == [f"{path}:{line_of(path, 'colour')}: adapters.console.tiles.colour: unknown key"]
    path = with_console(tmp_path, '    tiles: {url: "http://10.0.0.9/tiles/world.png"}\n')
    [problem] = problems(path)
    assert "adapters.console.tiles.url" in problem
