"""Parsed YAML cached by content (sinkmap.io.yamlcache): the same values as parsing, never a stale one."""

from __future__ import annotations

import datetime as dt

import pytest

from sinkmap.core import yamlio
from sinkmap.io import yamlcache

DOC = "a: 1\nb: [x, 2.5, null, true]\n2030: {森林覆盖率: 55}\nshared: &s [1, 2]\nagain: *s\n"


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SINKMAP_HOME", str(tmp_path))
    return tmp_path


def test_second_load_comes_from_the_cache_with_the_same_value(home, monkeypatch):
    first = yamlcache.load(DOC)
    assert first == yamlio.safe_load(DOC) == {"a": 1, "b": ["x", 2.5, None, True], 2030: {"森林覆盖率": 55},
                                               "shared": [1, 2], "again": [1, 2]}
    assert len(list((home / "cache" / "yaml").iterdir())) == 1
    monkeypatch.setattr(yamlio, "safe_load", lambda text: pytest.fail("parsed again"))
    second = yamlcache.load(DOC)
    assert second == first and second is not first  # a fresh copy: a caller may change it
    second["a"] = 99
    assert yamlcache.load(DOC)["a"] == 1


def test_an_edited_text_is_parsed_again(home):
    assert yamlcache.load(DOC)["a"] == 1
    assert yamlcache.load(DOC.replace("a: 1", "a: 2"))["a"] == 2


def test_a_damaged_or_foreign_entry_is_not_used(home):
    yamlcache.load(DOC)
    (entry,) = (home / "cache" / "yaml").iterdir()
    entry.write_bytes(b"not marshal")
    assert yamlcache.load(DOC)["a"] == 1
    import marshal

    entry.write_bytes(marshal.dumps(("another text", {"a": 7})))  # same name, other text (a crc32 collision)
    assert yamlcache.load(DOC)["a"] == 1


def test_values_marshal_cannot_hold_are_parsed_each_time_and_errors_stay_yaml_errors(home):
    assert yamlcache.load("day: 2025-01-02\n") == {"day": dt.date(2025, 1, 2)}
    assert yamlcache.load("day: 2025-01-02\n") == {"day": dt.date(2025, 1, 2)}
    with pytest.raises(yamlio.YAMLError):
        yamlcache.load("a: [1, 2\n")
