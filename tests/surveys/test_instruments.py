"""The four questionnaires: coverage rules, translations, validation, serialisation, scoring codes, pages."""
from __future__ import annotations

import json
import shutil
import sys

import numpy as np
import pytest
import yaml

from surveys.domain import RESPONDENT_GROUPS, SCALED_TOPICS, TOPICS, LANGUAGES
from surveys.instruments import (INSTRUMENTS_DIR, REPO_ROOT, BackgroundItem, CustomItem, Instrument,
                                 InstrumentError, Item, Page, ResponseScale, load_instrument,
                                 load_instruments, validate_custom_items)

sys.path.insert(0, str(REPO_ROOT / "scripts"))
import provisional_thresholds as pt  # noqa: E402

COUNT_LIMITS = {"student": (60, 80), "instructional_staff": (60, 90),
                "noninstructional_staff": (60, 90), "parent": (1, 45)}
BACKGROUND = {"student": {"S_GRADE", "S_SEX", "S_HISP", "S_RACE", "S_LANG"},
              "instructional_staff": {"T_ROLE", "T_YEARS"},
              "noninstructional_staff": {"N_ROLE", "N_YEARS"},
              "parent": {"P_GRADE"}}
PREFIX = {"student": "S_", "instructional_staff": "T_", "noninstructional_staff": "N_", "parent": "P_"}
SRO_SUFFIXES = ("SRO_KNOW", "SRO_HELP", "SRO_DISC", "SRO_FAIR", "SRO_SAFE", "SRO_RESPECT")


@pytest.fixture(scope="module")
def instruments():
    return load_instruments()


# ------------------------------------------------------------------ the real files: coverage

def test_all_four_groups_load(instruments):
    assert tuple(instruments) == RESPONDENT_GROUPS
    for g, inst in instruments.items():
        assert inst.group == g
        assert isinstance(inst.version, str) and inst.version
        assert inst.provisional and inst.calibration["status"] == "provisional"
        assert "method" in inst.calibration and len(inst.calibration["method"]) > 50


@pytest.mark.parametrize("group", RESPONDENT_GROUPS)
def test_item_counts(instruments, group):
    lo, hi = COUNT_LIMITS[group]
    assert lo <= len(instruments[group].items) <= hi


@pytest.mark.parametrize("group", RESPONDENT_GROUPS)
def test_every_topic_has_items(instruments, group):
    inst = instruments[group]
    for topic in TOPICS:
        assert inst.topic_items(topic), f"{group}: no items for {topic}"


@pytest.mark.parametrize("group", RESPONDENT_GROUPS)
def test_scaled_topics_match_domain(instruments, group):
    inst = instruments[group]
    assert inst.scaled_topics == SCALED_TOPICS[group]
    assert not inst.scaled_items("emergency_readiness")
    for topic in SCALED_TOPICS[group]:
        items = inst.scaled_items(topic)
        assert len(items) >= 4
        th = inst.thresholds(topic)
        assert th.shape == (len(items), 3) and th.dtype == np.float64
        assert np.all(np.diff(th, axis=1) > 0)
    for topic in TOPICS:
        if topic not in SCALED_TOPICS[group]:
            assert not inst.scaled_items(topic)


def test_parent_has_no_scaled_items(instruments):
    assert not any(it.scaled for it in instruments["parent"].items)
    assert instruments["parent"].scaled_topics == ()


@pytest.mark.parametrize("group", ["student", "instructional_staff", "noninstructional_staff"])
def test_some_unscaled_items_inside_scaled_topics(instruments, group):
    inst = instruments[group]
    unscaled = [it for it in inst.items if not it.scaled and it.topic in SCALED_TOPICS[group]]
    assert len(unscaled) >= 3


@pytest.mark.parametrize("group", RESPONDENT_GROUPS)
def test_formats_and_reverse_coding_present(instruments, group):
    inst = instruments[group]
    scales = {it.scale.id for it in inst.items}
    assert {"agree", "problem", "often"} <= scales
    assert any(it.reverse for it in inst.items)
    # agreement items are the majority
    assert sum(it.scale.id == "agree" for it in inst.items) > len(inst.items) / 2


@pytest.mark.parametrize("group", RESPONDENT_GROUPS)
def test_background_items(instruments, group):
    inst = instruments[group]
    ids = {b.id for b in inst.background}
    assert ids == BACKGROUND[group]
    for b in inst.background + inst.sro_background:
        prefer = b.option(b.prefer_not_value)
        assert prefer.label["en"] == "Prefer not to say"
        assert b.options[-1].value == b.prefer_not_value


def test_student_background_details(instruments):
    inst = instruments["student"]
    grade = inst.item("S_GRADE")
    assert grade.subgroup == "grade"
    assert set(range(5, 13)) <= set(grade.values) and 13 in grade.values
    assert "ungraded" in grade.option(13).label["en"].lower()
    race = inst.item("S_RACE")
    assert race.multiple and race.subgroup == "race"
    assert len(race.options) == 6  # five categories + prefer not to say
    for v in race.values:
        assert v > 0 and v & (v - 1) == 0
    assert {inst.item(i).subgroup for i in ("S_SEX", "S_HISP", "S_LANG")} == {"sex", "hispanic", "language"}
    assert instruments["parent"].item("P_GRADE").values == grade.values


@pytest.mark.parametrize("group", RESPONDENT_GROUPS)
def test_sro_module(instruments, group):
    inst = instruments[group]
    p = PREFIX[group]
    if group == "parent":
        assert inst.sro_items == () and inst.sro_background == ()
        assert not any(inst.has_item(p + s) for s in SRO_SUFFIXES + ("SRO_PRESENT",))
        return
    assert tuple(it.id for it in inst.sro_items) == tuple(p + s for s in SRO_SUFFIXES)
    assert [b.id for b in inst.sro_background] == [p + "SRO_PRESENT"]
    present = inst.item(p + "SRO_PRESENT")
    assert present.subgroup == "sro_present"
    assert [o.label["en"] for o in present.options] == ["Yes", "No", "Not sure", "Prefer not to say"]
    for it in inst.sro_items:
        assert it.module == "sro" and not it.scaled and it.topic == "physical_safety"
        assert it.scale.id == "agree"
        assert it.reverse == it.id.endswith("SRO_DISC")
    assert all(it.module == "core" for it in inst.items)


def test_ids_unique_and_well_formed(instruments):
    seen = set()
    for g, inst in instruments.items():
        for iid in inst.item_ids:
            assert iid not in seen
            seen.add(iid)
            assert iid.isidentifier() and iid == iid.upper() and iid.startswith(PREFIX[g])
            assert len(iid) <= 64


def _all_texts(inst: Instrument):
    yield inst.title
    yield inst.intro
    for it in inst.items + inst.sro_items:
        yield it.text
        yield {lang: " ".join(it.scale.labels[lang]) for lang in LANGUAGES}
        assert all(lab.strip() for lang in LANGUAGES for lab in it.scale.labels[lang])
    for b in inst.background + inst.sro_background:
        yield b.text
        for o in b.options:
            yield o.label


@pytest.mark.parametrize("group", RESPONDENT_GROUPS)
def test_every_text_has_english_and_spanish(instruments, group):
    n = 0
    for text in _all_texts(instruments[group]):
        for lang in LANGUAGES:
            assert isinstance(text[lang], str) and text[lang].strip()
        n += 1
    assert n > 10


@pytest.mark.parametrize("group", RESPONDENT_GROUPS)
def test_spanish_differs_from_english(instruments, group):
    inst = instruments[group]
    same = [it.id for it in inst.items + inst.sro_items if it.text["en"] == it.text["es"]]
    assert not same


@pytest.mark.parametrize("group", RESPONDENT_GROUPS)
def test_intro_says_this_school_includes_bus_and_events(instruments, group):
    intro = instruments[group].intro
    assert "bus" in intro["en"] and "events" in intro["en"]
    assert "autobús" in intro["es"] and "eventos" in intro["es"]


def test_student_items_are_short():
    """A rough reading-level guard: short sentences, short words."""
    inst = load_instrument(INSTRUMENTS_DIR / "student.yaml")
    for it in inst.items + inst.sro_items:
        words = it.text["en"].split()
        assert len(words) <= 20, it.id
        assert sum(len(w.strip(".,?()")) for w in words) / len(words) < 6.0, it.id


def test_thresholds_are_the_provisional_ones():
    for path in sorted(INSTRUMENTS_DIR.glob("*.yaml")):
        if path.name == "scales.yaml":
            continue
        text = path.read_text(encoding="utf-8")
        new, problems = pt.rewrite(text)
        assert not problems
        assert new == text, f"{path.name}: run scripts/provisional_thresholds.py"


def test_provisional_threshold_rule():
    a = pt.provisional_thresholds("S_REL_01")
    assert a == pt.provisional_thresholds("S_REL_01")
    assert a != pt.provisional_thresholds("S_REL_02")
    for i in range(200):
        t = pt.provisional_thresholds(f"X_{i}")
        assert t[0] < t[1] < t[2]
        assert -1.0 - 0.15 <= t[1] <= 0.15   # location 0..1 logit below a typical respondent
        assert 1.19 <= t[2] - t[1] <= 1.81 and 1.19 <= t[1] - t[0] <= 1.81


def test_threshold_script_rewrites_only_threshold_lines(tmp_path):
    src = (INSTRUMENTS_DIR / "student.yaml").read_text(encoding="utf-8")
    broken = src.replace("thresholds: [", "thresholds: [9, ", 3)
    f = tmp_path / "student.yaml"
    f.write_text(broken, encoding="utf-8")
    assert pt.main(["--check", str(f)]) == 1
    assert pt.main([str(f)]) == 0
    assert f.read_text(encoding="utf-8") == src


# ------------------------------------------------------------------ validation with broken files

def _student_data():
    return yaml.safe_load((INSTRUMENTS_DIR / "student.yaml").read_text(encoding="utf-8"))


def _write(tmp_path, data, name="student.yaml"):
    shutil.copy(INSTRUMENTS_DIR / "scales.yaml", tmp_path / "scales.yaml")
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _item(d, iid):
    for it in d["items"]:
        if it["id"] == iid:
            return it
    raise KeyError(iid)


def _errors(path):
    with pytest.raises(InstrumentError) as exc:
        load_instrument(path)
    return exc.value


def test_valid_copy_loads(tmp_path):
    inst = load_instrument(_write(tmp_path, _student_data()))
    assert len(inst.items) == len(load_instrument(INSTRUMENTS_DIR / "student.yaml").items)


BROKEN = [
    ("duplicate id", lambda d: _item(d, "S_REL_02").update(id="S_REL_01"), "S_REL_01", "duplicate id"),
    ("unknown topic", lambda d: _item(d, "S_REL_06").update(topic="friendship"), "S_REL_06", "unknown topic 'friendship'"),
    ("missing translation", lambda d: _item(d, "S_REL_03")["text"].pop("es"), "S_REL_03", "missing the 'es' translation"),
    ("empty translation", lambda d: _item(d, "S_REL_03")["text"].update(en="  "), "S_REL_03", "'en' is empty"),
    ("no thresholds", lambda d: _item(d, "S_REL_03").pop("thresholds"), "S_REL_03", "scaled item has no thresholds, needs 3"),
    ("two thresholds", lambda d: _item(d, "S_REL_03").update(thresholds=[-1.0, 1.0]), "S_REL_03", "scaled item has 2 thresholds, needs 3"),
    ("four thresholds", lambda d: _item(d, "S_REL_03").update(thresholds=[-1, 0, 1, 2]), "S_REL_03", "scaled item has 4 thresholds, needs 3"),
    ("unordered thresholds", lambda d: _item(d, "S_REL_03").update(thresholds=[0.5, -1.0, 1.0]), "S_REL_03", "strictly increasing"),
    ("non-numeric thresholds", lambda d: _item(d, "S_REL_03").update(thresholds=[-1, "zero", 1]), "S_REL_03", "thresholds must be numbers"),
    ("thresholds not a list", lambda d: _item(d, "S_REL_03").update(thresholds="-1 0 1"), "S_REL_03", "must be a list of 3 numbers"),
    ("unknown scale", lambda d: _item(d, "S_REL_03").update(scale="likert7"), "S_REL_03", "unknown response scale 'likert7'"),
    ("missing key", lambda d: _item(d, "S_REL_03").pop("topic"), "S_REL_03", "item is missing key 'topic'"),
    ("unknown key", lambda d: _item(d, "S_REL_03").update(wording="x"), "S_REL_03", "unknown key 'wording'"),
    ("wrong type bool", lambda d: _item(d, "S_REL_03").update(scaled="yes"), "S_REL_03", "'scaled' must be true or false"),
    ("wrong type text", lambda d: _item(d, "S_REL_03").update(text="hello"), "S_REL_03", "text must be a mapping"),
    ("bad id", lambda d: _item(d, "S_REL_03").update(id="s-rel-03"), "s-rel-03", "id must be uppercase"),
    ("wrong prefix", lambda d: _item(d, "S_REL_03").update(id="T_REL_99"), "T_REL_99", "must start with 'S_'"),
    ("scaled in unscaled topic", lambda d: _item(d, "S_EMR_01").update(scaled=True, thresholds=[-1, 0, 1]),
     "S_EMR_01", "'emergency_readiness' is not a scaled topic for group 'student'"),
    ("background prefer-not missing", lambda d: d["background"][1]["options"].pop(), "S_SEX", "prefer_not_value 99 is not one of the option values"),
    ("race not powers of two", lambda d: d["background"][3]["options"][2].update(value=3), "S_RACE", "powers of two"),
    ("unknown subgroup", lambda d: d["background"][0].update(subgroup="age"), "S_GRADE", "unknown subgroup 'age'"),
    ("sro id", lambda d: d["sro"]["items"][0].update(id="S_SRO_OTHER"), "S_SRO_OTHER", "not an SRO module id"),
    ("sro scaled", lambda d: d["sro"]["items"][0].update(scaled=True, thresholds=[-1, 0, 1]), "S_SRO_KNOW", "SRO module items cannot be scaled"),
]


@pytest.mark.parametrize("name,mutate,item_id,reason", BROKEN, ids=[b[0] for b in BROKEN])
def test_validation_failure_names_file_item_and_reason(tmp_path, name, mutate, item_id, reason):
    d = _student_data()
    mutate(d)
    path = _write(tmp_path, d)
    err = _errors(path)
    assert any(p.item_id == item_id and reason in p.reason for p in err.problems), str(err)
    lines = str(err).splitlines()
    assert any(line.startswith(f"{path}: item {item_id}: ") and reason in line for line in lines), str(err)


def test_message_format_example(tmp_path):
    d = _student_data()
    _item(d, "S_REL_03")["thresholds"] = [-1.0, 1.0]
    path = _write(tmp_path, d)
    assert f"{path}: item S_REL_03: scaled item has 2 thresholds, needs 3" in str(_errors(path)).splitlines()


def test_real_file_names_are_repo_relative():
    d = _student_data()
    _item(d, "S_REL_03")["thresholds"] = [-1.0, 1.0]
    with pytest.raises(InstrumentError) as exc:
        Instrument.from_dict(d, source="instruments/student.yaml")
    assert str(exc.value) == "instruments/student.yaml: item S_REL_03: scaled item has 2 thresholds, needs 3"


def test_all_problems_are_collected(tmp_path):
    d = _student_data()
    _item(d, "S_REL_01")["topic"] = "nope"
    _item(d, "S_CUL_02")["text"].pop("en")
    _item(d, "S_INS_03")["thresholds"] = [1, 0, -1]
    err = _errors(_write(tmp_path, d))
    ids = [p.item_id for p in err.problems]
    assert {"S_REL_01", "S_CUL_02", "S_INS_03"} <= set(ids)
    assert len(str(err).splitlines()) == len(err.problems)


def test_too_few_scaled_items_in_a_topic(tmp_path):
    d = _student_data()
    for iid in ("S_REL_01", "S_REL_02"):
        _item(d, iid)["scaled"] = False
    err = _errors(_write(tmp_path, d))
    assert "scaled topic 'relationships' has 3 scaled items, needs at least 4" in str(err)


def test_yaml_syntax_error(tmp_path):
    text = (INSTRUMENTS_DIR / "student.yaml").read_text(encoding="utf-8")
    text = text.replace("  - id: S_REL_02\n", "  - id: S_REL_02\n   topic: [unclosed\n", 1)
    path = _write(tmp_path, text)
    err = _errors(path)
    assert len(err.problems) == 1
    assert str(err).startswith(f"{path}: YAML syntax error at line ")


@pytest.mark.parametrize("mutate,reason", [
    (lambda d: d.pop("version"), "instrument is missing key 'version'"),
    (lambda d: d.update(version=2026.1), "'version' must be a non-empty quoted string"),
    (lambda d: d.update(group="teachers"), "unknown respondent group 'teachers'"),
    (lambda d: d.update(items={"a": 1}), "'items' must be a non-empty list"),
    (lambda d: d["calibration"].pop("method"), "calibration is missing 'method'"),
    (lambda d: d["title"].pop("es"), "title is missing the 'es' translation"),
    (lambda d: d.update(sro="yes"), "'sro' must be a mapping"),
])
def test_file_level_problems(tmp_path, mutate, reason):
    d = _student_data()
    mutate(d)
    path = _write(tmp_path, d)
    err = _errors(path)
    assert any(line.startswith(f"{path}: ") and reason in line for line in str(err).splitlines()), str(err)


def test_top_level_not_a_mapping(tmp_path):
    path = _write(tmp_path, "- just\n- a list\n")
    assert "file must contain a mapping at the top level" in str(_errors(path))


def test_parent_cannot_have_sro(tmp_path):
    d = yaml.safe_load((INSTRUMENTS_DIR / "parent.yaml").read_text(encoding="utf-8"))
    d["sro"] = _student_data()["sro"]
    err = _errors(_write(tmp_path, d, "parent.yaml"))
    assert "SRO module is not offered to parents" in str(err)


def test_broken_scales_file(tmp_path):
    path = _write(tmp_path, _student_data())
    s = yaml.safe_load((tmp_path / "scales.yaml").read_text(encoding="utf-8"))
    s["scales"]["agree"]["labels"]["es"] = ["Sí", "No"]
    s["scales"]["often"]["favourable"] = "middle"
    (tmp_path / "scales.yaml").write_text(yaml.safe_dump(s, allow_unicode=True), encoding="utf-8")
    err = _errors(path)
    text = str(err)
    assert f"{tmp_path / 'scales.yaml'}: response scale 'agree': 'es' labels must be a list of 4" in text
    assert "'favourable' must be 'first' or 'last'" in text


def test_load_instruments_directory_and_duplicate_group(tmp_path):
    for name in ("student.yaml", "parent.yaml", "scales.yaml"):
        shutil.copy(INSTRUMENTS_DIR / name, tmp_path / name)
    assert tuple(load_instruments(tmp_path)) == ("student", "parent")
    shutil.copy(INSTRUMENTS_DIR / "parent.yaml", tmp_path / "parent_copy.yaml")
    with pytest.raises(InstrumentError) as exc:
        load_instruments(tmp_path)
    assert f"{tmp_path / 'parent_copy.yaml'}: group 'parent' already defined in {tmp_path / 'parent.yaml'}" in str(exc.value)


def test_load_instruments_empty_directory(tmp_path):
    with pytest.raises(InstrumentError) as exc:
        load_instruments(tmp_path)
    assert "no instrument files" in str(exc.value)


# ------------------------------------------------------------------ serialisation

@pytest.mark.parametrize("group", RESPONDENT_GROUPS)
def test_to_dict_from_dict_round_trip(instruments, group):
    inst = instruments[group]
    d = json.loads(json.dumps(inst.to_dict()))
    back = Instrument.from_dict(d, source=f"pinned:{group}")
    assert back.to_dict() == inst.to_dict()
    assert back.items == inst.items
    assert back.background == inst.background
    assert back.sro_items == inst.sro_items
    assert back.version == inst.version and back.calibration == inst.calibration
    assert back.source == f"pinned:{group}"


def test_from_dict_validates():
    d = load_instrument(INSTRUMENTS_DIR / "student.yaml").to_dict()
    d["items"][0]["thresholds"] = [3, 2, 1]
    with pytest.raises(InstrumentError) as exc:
        Instrument.from_dict(d, source="pinned:student")
    assert str(exc.value).startswith("pinned:student: item S_CUL_01: thresholds must be strictly increasing")


def test_lookup(instruments):
    s = instruments["student"]
    assert isinstance(s.item("S_REL_01"), Item)
    assert isinstance(s.item("S_GRADE"), BackgroundItem)
    assert isinstance(s.item("S_SRO_PRESENT"), BackgroundItem)
    assert s.has_item("S_SRO_KNOW") and not s.has_item("T_REL_01")
    with pytest.raises(KeyError):
        s.item("NOPE")
    it = s.item("S_REL_01")
    assert it.domain == "engagement" and it.values == (1, 2, 3, 4)
    assert isinstance(it.scale, ResponseScale) and it.scale.favourable == "first"
    assert it.scale.labels["en"][0] == "Strongly agree"
    assert it.scale.labels["es"][3] == "Muy en desacuerdo"


# ------------------------------------------------------------------ scoring codes

def test_score_codes_reverse_and_missing(instruments):
    s = instruments["student"]
    pos = s.item("S_REL_01")                       # agree, positively worded
    neg = s.item("S_EMO_04")                       # agree, reverse-coded
    prob = s.item("S_BUL_01")                      # how much of a problem
    often_pos = s.item("S_PAR_05")                 # how often, positive
    often_neg = s.item("S_BUL_02")                 # how often, reverse-coded
    assert not pos.reverse and neg.reverse and often_neg.reverse and not prob.reverse
    ids = [pos.id, neg.id, prob.id, often_pos.id, often_neg.id]
    raw = np.array([[1, 1, 1, 1, 1],
                    [2, 2, 2, 2, 2],
                    [3, 3, 3, 3, 3],
                    [4, 4, 4, 4, 4],
                    [0, 0, 0, 0, 0],
                    [5, -1, 9, 0, 7]])
    codes = s.score_codes(ids, raw)
    assert codes.dtype == np.int8 and codes.shape == (6, 5)
    expected = np.array([[3, 0, 3, 0, 3],
                         [2, 1, 2, 1, 2],
                         [1, 2, 1, 2, 1],
                         [0, 3, 0, 3, 0],
                         [-1, -1, -1, -1, -1],
                         [-1, -1, -1, -1, -1]])
    np.testing.assert_array_equal(codes, expected)
    for j, iid in enumerate(ids):
        it = s.item(iid)
        assert [it.score_code(int(r)) for r in raw[:, j]] == list(expected[:, j])


def test_score_codes_sro_and_errors(instruments):
    s = instruments["student"]
    codes = s.score_codes(["S_SRO_DISC", "S_SRO_FAIR"], np.array([[1, 1]]))
    np.testing.assert_array_equal(codes, [[0, 3]])
    with pytest.raises(KeyError):
        s.score_codes(["S_GRADE"], np.array([[5]]))
    with pytest.raises(ValueError):
        s.score_codes(["S_REL_01"], np.array([[1, 2]]))


def test_score_codes_large_array_vectorised(instruments):
    s = instruments["instructional_staff"]
    items = s.scaled_items("discipline")
    rng = np.random.default_rng(1)
    raw = rng.integers(0, 5, size=(20000, len(items)))
    codes = s.score_codes([i.id for i in items], raw)
    assert codes.shape == raw.shape
    assert set(np.unique(codes)) <= {-1, 0, 1, 2, 3}
    assert np.all((codes == -1) == (raw == 0))


# ------------------------------------------------------------------ pages

def _check_pages(inst, pages, per_page, sro, custom):
    assert [p.number for p in pages] == list(range(1, len(pages) + 1))
    kinds = [p.kind for p in pages]
    order = {"topic": 0, "sro": 1, "custom": 2, "background": 3}
    assert kinds == sorted(kinds, key=order.__getitem__)
    assert kinds[-1] == "background"
    topics = [p.topic for p in pages if p.kind == "topic"]
    assert topics == sorted(topics, key=TOPICS.index)
    seen = []
    for p in pages:
        assert isinstance(p, Page) and 1 <= len(p.items) <= per_page
        if p.kind == "topic":
            assert all(isinstance(i, Item) and i.topic == p.topic for i in p.items)
        if p.kind == "background":
            assert all(isinstance(i, BackgroundItem) for i in p.items)
        seen += [i.id for i in p.items]
    expected = [i.id for i in inst.items]
    if sro:
        expected += [i.id for i in inst.sro_background + inst.sro_items]
    expected += [c.id for c in custom] + [b.id for b in inst.background]
    assert sorted(seen) == sorted(expected) and len(seen) == len(set(seen))


@pytest.mark.parametrize("group", RESPONDENT_GROUPS)
def test_pages(instruments, group):
    inst = instruments[group]
    custom = validate_custom_items([{"text": {"en": "Q", "es": "P"},
                                     "options": [{"en": "a", "es": "a"}, {"en": "b", "es": "b"}]}] * 3)
    for per_page, sro, cust in [(10, False, ()), (10, True, custom), (3, True, ()), (4, False, custom)]:
        _check_pages(inst, inst.pages(sro=sro, custom=cust, per_page=per_page), per_page, sro and group != "parent", cust)
    pages = inst.pages()
    assert not any(p.kind == "sro" for p in pages)


def test_long_topic_splits_evenly(instruments):
    inst = instruments["student"]
    pages = [p for p in inst.pages(per_page=4) if p.topic == "relationships"]
    assert [len(p.items) for p in pages] == [3, 3]
    with pytest.raises(ValueError):
        inst.pages(per_page=0)


def test_sro_page_starts_with_presence_question(instruments):
    pages = instruments["student"].pages(sro=True)
    sro = [p for p in pages if p.kind == "sro"]
    assert len(sro) == 1 and sro[0].items[0].id == "S_SRO_PRESENT" and len(sro[0].items) == 7


# ------------------------------------------------------------------ custom items

def _opt(*xs):
    return [{"en": x, "es": x + " (es)"} for x in xs]


def test_custom_items_ok():
    items = validate_custom_items([
        {"text": {"en": "Do you walk to school?", "es": "¿Vas a la escuela caminando?"}, "options": _opt("Yes", "No")},
        {"text": {"en": "Favourite subject?", "es": "¿Materia favorita?"}, "options": _opt("Math", "Art", "Music")},
    ])
    assert [c.id for c in items] == ["C01", "C02"]
    assert isinstance(items[0], CustomItem) and items[1].values == (1, 2, 3)
    assert items[1].options[2] == {"en": "Music", "es": "Music (es)"}
    assert validate_custom_items([]) == ()


@pytest.mark.parametrize("data,fragment", [
    ([{"text": {"en": "Q"}, "options": _opt("a", "b")}], "custom items: item C01: text is missing the 'es' translation"),
    ([{"text": {"en": "Q", "es": ""}, "options": _opt("a", "b")}], "custom items: item C01: text 'es' is empty"),
    ([{"text": {"en": "Q", "es": "P"}, "options": _opt("a")}], "custom items: item C01: has 1 options, needs at least 2"),
    ([{"text": {"en": "Q", "es": "P"}, "options": _opt(*"abcdefghijk")}], "has 11 options, at most 10"),
    ([{"text": {"en": "Q", "es": "P"}, "options": [{"en": "a", "es": "a"}, {"en": "b"}]}], "item C01: option 2 is missing the 'es' translation"),
    ([{"text": {"en": "Q", "es": "P"}, "options": _opt("a", "b")}] * 11, "too many custom items: 11, at most 10"),
    ([{"text": {"en": "Q", "es": "P"}}], "custom item is missing key 'options'"),
    (["Q"], "item C01: must be a mapping"),
    ("Q", "custom items must be a list"),
])
def test_custom_items_errors(data, fragment):
    with pytest.raises(InstrumentError) as exc:
        validate_custom_items(data)
    assert fragment in str(exc.value)


def test_custom_items_collects_all():
    with pytest.raises(InstrumentError) as exc:
        validate_custom_items([{"text": {"en": "", "es": "P"}, "options": _opt("a", "b")},
                               {"text": {"en": "Q", "es": "P"}, "options": _opt("a")}])
    assert [p.item_id for p in exc.value.problems] == ["C01", "C02"]


# ------------------------------------------------------------------ stored background values, hashing, versions

def test_background_stored_values(instruments):
    s = instruments["student"]
    race = s.item("S_RACE")
    assert race.is_valid(4) and race.is_valid(1 | 16) and race.is_valid(32)
    assert not race.is_valid(0) and not race.is_valid(64) and not race.is_valid(32 | 4)
    assert race.selected(1 | 16) == (1, 16)
    grade = s.item("S_GRADE")
    assert grade.is_valid(5) and grade.is_valid(13) and grade.is_valid(99)
    assert not grade.is_valid(4) and not grade.is_valid(0) and not grade.is_valid(True)
    assert grade.selected(9) == (9,) and grade.selected(4) == ()
    assert s.item("S_SRO_PRESENT").module == "sro" and grade.module == "core"


def test_objects_are_hashable(instruments):
    s = instruments["student"]
    assert len({*s.items, *s.background, *s.sro_items, *s.sro_background}) == len(s.item_ids)
    assert len(set(instruments.values())) == 4


# An edited questionnaire is a new version. If you change a file on purpose, give it a new
# `version` and add its fingerprint here (never change the fingerprint of a released version:
# administrations have pinned it).
RELEASED = {
    ("student", "2026.1"):
        "5b50e636fe02f52ce8a45f7539582ec570ff70df2ac9f8181e181412a1092499",
    ("student", "2026.2"):  # "Ungraded" pooled with no answer in grade subgroups
        "bcf1a31d2dea3a279e27052e887afb9b2429e65d51c2ccd8301a8cce3e076371",
    ("instructional_staff", "2026.1"):
        "26b586ba0e72e7e03f72f549932c3667548f1144b57f5c507572e786c6a54957",
    ("noninstructional_staff", "2026.1"):
        "5074086aeca4438ae0829f44310d4d0d516f445b9a3e71452ea9b791b245bbb1",
    ("parent", "2026.1"):
        "2ef4277f92a3f8d3b741403e5f744a0d16c815b44017f4ea7474577c31f09a8a",
}


@pytest.mark.parametrize("group", RESPONDENT_GROUPS)
def test_edited_questionnaire_needs_a_new_version(instruments, group):
    inst = instruments[group]
    key = (group, inst.version)
    assert key in RELEASED, f"new version {inst.version}: add its fingerprint {inst.fingerprint} to RELEASED"
    assert inst.fingerprint == RELEASED[key], (
        f"{group} {inst.version} was edited: give the file a new version (e.g. bump to the next release) "
        f"and add ({group!r}, <version>): {inst.fingerprint!r} to RELEASED")
    assert Instrument.from_dict(inst.to_dict()).fingerprint == inst.fingerprint
