"""The cache of parsed knowledge-base YAML: fast when nothing changed, never stale when something did."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from bot.core.errors import KnowledgeError
from bot.core.knowledge.loading import load_knowledge
from bot.services.caches import YamlCache
from bot.settings import DEFAULT_KNOWLEDGE


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_KNOWLEDGE, target, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    return target


def test_a_second_load_reads_every_file_from_the_cache(kb_dir, tmp_path):
    first = YamlCache(tmp_path / "cache")
    kb = load_knowledge(kb_dir, parse=first)
    assert first.misses > 0 and first.hits == 0
    again = YamlCache(tmp_path / "cache")
    cached = load_knowledge(kb_dir, parse=again)
    assert (
        dict(cached.topics) == dict(kb.topics) and cached.safety.disclaimer == kb.safety.disclaimer
    )
    assert cached.summary() == kb.summary()
    assert again.misses == 0 and again.hits == first.misses


def test_an_edit_is_seen_even_with_the_same_size_and_time(kb_dir, tmp_path):
    load_knowledge(kb_dir, parse=YamlCache(tmp_path / "cache"))
    path = kb_dir / "safety.yaml"
    text = path.read_text(encoding="utf-8")
    stat = path.stat()
    old = "not medical advice"
    assert old in text
    path.write_text(text.replace(old, "not medical ADVICE", 1), encoding="utf-8")  # same length
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and the same modification time
    kb = load_knowledge(kb_dir, parse=YamlCache(tmp_path / "cache"))
    assert "not medical ADVICE" in kb.safety.disclaimer
    assert len(list((tmp_path / "cache").glob("safety.yaml.*"))) == 1  # the old entry is gone


def test_validation_runs_on_every_load_cached_or_not(kb_dir, tmp_path):
    (kb_dir / "topics" / "extra.yaml").write_text("topics:\n  - id: Not An Id\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(KnowledgeError) as raised:
            load_knowledge(kb_dir, parse=YamlCache(tmp_path / "cache"))
        assert any(issue.file == "topics/extra.yaml" for issue in raised.value.issues)


def test_a_yaml_error_is_reported_and_a_broken_cache_entry_is_parsed_again(kb_dir, tmp_path):
    cache = tmp_path / "cache"
    (kb_dir / "gaps.yaml").write_text("gaps: [unclosed\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(kb_dir, parse=YamlCache(cache))
    assert any("not valid YAML" in issue.message for issue in raised.value.issues)
    shutil.copy(DEFAULT_KNOWLEDGE / "gaps.yaml", kb_dir / "gaps.yaml")
    load_knowledge(kb_dir, parse=YamlCache(cache))
    for entry in cache.glob("*.marshal"):
        entry.write_bytes(b"garbage")
    assert (
        load_knowledge(kb_dir, parse=YamlCache(cache)).summary() == load_knowledge(kb_dir).summary()
    )


def test_a_key_given_twice_is_reported_on_every_load_through_the_cache(kb_dir, tmp_path):
    path = kb_dir / "routines.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    name: Booty flexes\n", "    name: A\n    name: B\n", 1))
    for _ in range(2):  # the second load would find the document in the cache, if it were kept
        with pytest.raises(KnowledgeError) as raised:
            load_knowledge(kb_dir, parse=YamlCache(tmp_path / "cache"))
        assert any("'name' is given again" in issue.message for issue in raised.value.issues)
    assert not list((tmp_path / "cache").glob("routines.yaml.*"))


def test_a_cache_that_cannot_be_written_is_skipped(kb_dir, tmp_path):
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("", encoding="utf-8")
    cache = YamlCache(blocked / "yaml")
    assert load_knowledge(kb_dir, parse=cache).summary() == load_knowledge(kb_dir).summary()


def test_known_expressions_and_phrasing_vectors_are_kept_and_reused(tmp_path, monkeypatch):
    from bot.core import gate
    from bot.core.semantic import default_embedder
    from bot.services.caches import ExpressionCache

    monkeypatch.setattr(gate, "_KNOWN", {})
    monkeypatch.setattr(gate, "_KNOWN_ADDED", [False])
    cache = ExpressionCache(tmp_path / "cache")
    cache.load()  # nothing there yet
    checked = gate.checked(r"numb\w* (\w+ ){0,3}groin")
    cache.save()
    assert cache.path.exists()
    monkeypatch.setattr(gate, "_KNOWN", {})
    cache.load()
    again = gate.checked(r"numb\w* (\w+ ){0,3}groin")
    assert again.gate == checked.gate and again.finditer("numbness in my groin", None)
    with pytest.raises(re.error):
        gate.checked("numb(ness")  # a broken expression is never taken as known
    # gates are the gate module's work: another version of it reads none of this one's
    monkeypatch.setattr(gate, "__file__", str(tmp_path / "another-gate.py"))
    (tmp_path / "another-gate.py").write_text("# another version\n", encoding="utf-8")
    assert ExpressionCache(tmp_path / "cache").path != cache.path

    embedder = default_embedder()
    monkeypatch.setattr(embedder, "memo_dir", tmp_path / "vectors")
    first = embedder.encode_many(["sore back", "tight hips"])
    assert len(list((tmp_path / "vectors").glob("vectors.*.npy"))) == 1
    assert (embedder.encode_many(["sore back", "tight hips"]) == first).all()
    embedder.encode_many(["sore back", "tight hips", "a new phrasing"])
    assert (
        len(list((tmp_path / "vectors").glob("vectors.*.npy"))) == 2
    )  # another list, another file


# -- the built knowledge base and its matcher ------------------------------------------------------


def _open(kb_dir: Path):
    from bot.services.knowledge import open_knowledge
    from bot.settings import Settings

    return open_knowledge(Settings(knowledge=kb_dir))


def _no_building(monkeypatch) -> None:
    """Make building the knowledge base impossible, so that an answer can only come from the cache."""
    from bot.services import knowledge

    def refuse(*args, **kwargs):
        raise AssertionError("the knowledge base was built, not read from the cache")

    monkeypatch.setattr(knowledge, "build_knowledge", refuse)


def _built_entries(cache_home: Path) -> list[Path]:
    return sorted((cache_home / "lowback-bot" / "built").glob("built.*.pickle"))


@pytest.fixture
def cache_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "cache-home"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


def test_a_second_start_answers_from_the_built_cache_as_the_first_did(
    kb_dir, cache_home, monkeypatch
):
    first = _open(kb_dir)
    assert len(_built_entries(cache_home)) == 1
    question = "my lower back hurts when I sit all day, what should I do"
    expected = first.matcher.match(question)
    with monkeypatch.context() as patch:
        _no_building(patch)
        again = _open(kb_dir)
    assert again.kb.summary() == first.kb.summary()
    assert again.matcher.match(question) == expected
    assert again.matcher.match("is the leg press ok").topic == "leg-press"
    assert again.matcher.match("I have numbness between my legs").kind == "red_flag"


def test_an_edited_file_is_built_again_and_never_served_stale(kb_dir, cache_home):
    _open(kb_dir)
    path = kb_dir / "safety.yaml"
    stat = path.stat()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("not medical advice", "not medical ADVICE", 1), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size and modification time
    assert "not medical ADVICE" in _open(kb_dir).kb.safety.disclaimer
    assert len(_built_entries(cache_home)) == 1  # the old entry for this folder is gone


def test_a_broken_knowledge_base_is_refused_even_after_a_good_one_was_cached(kb_dir, cache_home):
    _open(kb_dir)
    (kb_dir / "topics" / "extra.yaml").write_text("topics:\n  - id: Not An Id\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(KnowledgeError) as raised:
            _open(kb_dir)
        assert any(issue.file == "topics/extra.yaml" for issue in raised.value.issues)


def test_a_damaged_entry_is_built_again(kb_dir, cache_home):
    good = _open(kb_dir).kb.summary()
    for entry in _built_entries(cache_home):
        entry.write_bytes(entry.read_bytes()[:1000])  # a write cut short
    assert _open(kb_dir).kb.summary() == good
    for entry in _built_entries(cache_home):
        entry.write_bytes(b"not a pickle at all")
    assert _open(kb_dir).matcher.match("is the leg press ok").topic == "leg-press"


def test_two_knowledge_folders_each_keep_their_entry(kb_dir, tmp_path, cache_home, monkeypatch):
    other = tmp_path / "other"
    shutil.copytree(kb_dir, other)
    _open(kb_dir)
    _open(other)
    assert len(_built_entries(cache_home)) == 2
    with monkeypatch.context() as patch:
        _no_building(patch)
        assert _open(kb_dir).kb.directory == kb_dir
        assert _open(other).kb.directory == other


def test_a_cache_folder_that_cannot_be_written_still_answers(kb_dir, tmp_path, monkeypatch):
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert _open(kb_dir).matcher.match("is the leg press ok").topic == "leg-press"


def test_cache_files_left_empty_are_built_again(kb_dir, cache_home):
    """A machine that lost power just after the cache was written can leave its files empty (the
    rename reached the disk, the data did not): the next start builds again and answers, where an
    empty file of phrasing vectors stopped every command with a traceback until the cache was
    deleted by hand."""
    good = _open(kb_dir).kb.summary()
    files = [path for path in (cache_home / "lowback-bot").rglob("*") if path.is_file()]
    assert any(path.suffix == ".npy" for path in files)
    for path in files:
        path.write_bytes(b"")
    again = _open(kb_dir)
    assert again.kb.summary() == good
    assert again.matcher.match("is the leg press ok").topic == "leg-press"


# -- the menders' word counts ------------------------------------------------------------------------


def test_the_word_counts_are_read_back_as_the_file_gives_them_and_a_damaged_copy_is_ignored(
    tmp_path,
):
    import gzip
    import json

    from bot.services.caches import WordCounts

    data = gzip.compress(json.dumps({"weaker": 120, "weight": 900}).encode())
    counts = WordCounts(tmp_path / "cache")
    assert counts(data) == {"weaker": 120, "weight": 900}
    (kept,) = (tmp_path / "cache").glob("words.*.marshal")
    assert WordCounts(tmp_path / "cache")(data) == {"weaker": 120, "weight": 900}
    # another word list (an upgraded package) has its own copy, never the old one's words
    other = gzip.compress(json.dumps({"groin": 50}).encode())
    assert counts(other) == {"groin": 50}
    kept.write_bytes(b"\x00 not marshal")
    assert WordCounts(tmp_path / "cache")(data) == {"weaker": 120, "weight": 900}
    (tmp_path / "ro").write_text("a file where the folder would go")
    assert WordCounts(tmp_path / "ro" / "cache")(data) == {"weaker": 120, "weight": 900}


def test_a_first_typo_is_mended_with_the_word_counts_kept_on_disk(kb_dir, cache_home):
    from bot.core import mending

    mending._english.cache_clear()
    try:
        holder = _open(kb_dir)
        flagged = holder.matcher.match("my legs are getting weeker and my back hurts")
        assert flagged.kind == "red_flag"
        assert list(Path(cache_home).rglob("words.*.marshal"))
        mending._english.cache_clear()  # as a second process would
        again = _open(kb_dir).matcher.match("my legs are getting weeker and my back hurts")
        assert again.kind == "red_flag"
    finally:
        mending.read_words = mending.decoded_words
        mending._english.cache_clear()
