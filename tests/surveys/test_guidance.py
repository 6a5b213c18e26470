"""The shipped guidance files load, and every kind of broken file is reported with the file,
the entry id and the reason."""
import shutil

import pytest

from surveys.domain import TOPICS
from surveys.guidance import (
    GUIDANCE_DIR, SECURE_FILE, TOPICS_FILE, QUICK_GUIDE_FILE, GuidanceError, load_guidance,
)


@pytest.fixture(scope="module")
def g():
    return load_guidance()


def test_shipped_guidance_loads(g):
    assert [a.id for a in g.activity_sets] == ["AS1", "AS2", "AS3", "AS4", "AS5"]
    for a in g.activity_sets:
        assert 4 <= len(a.steps) <= 8 and 2 <= len(a.pitfalls) <= 4 and a.summary
        assert [s.id for s in a.steps] == [f"{a.id}-{i}" for i in range(1, len(a.steps) + 1)]
    assert set(g.topics) == set(TOPICS)
    for t in TOPICS:
        tg = g.topic(t)
        assert 3 <= len(tg.discussion_questions) <= 5
        assert len(tg.universal) >= 2 and len(tg.targeted) >= 2
        assert tg.strategies == tg.universal + tg.targeted
        for s in tg.strategies:
            assert g.strategy(s.id) is s and s.steps and s.rationale
            for ref in s.steps:
                g.step(ref)
    assert [s.id for s in g.secure_steps] == ["SEC-1", "SEC-2", "SEC-3", "SEC-4", "SEC-5"]
    for s in g.secure_steps:
        assert len(s.start) >= 4 and len(s.improve) >= 4
    assert g.criteria()[0].id == "SEC-1-S1"
    assert g.criterion("SEC-2-S2").keeps_out_of_discipline
    assert g.criterion("SEC-4-S1").training
    assert g.step("AS4-1").activity_set == "AS4"


def test_improvement_md_pairings(g):
    names = lambda t: " ".join(s.name.lower() for s in g.topic(t).strategies)  # noqa: E731
    d = names("discipline")
    assert "positive behavioral supports" in d and "restorative" in d and "social-emotional" in d
    assert "environmental design" in names("physical_safety")
    assert "environmental design" in names("physical_environment")
    assert "advisory" in names("relationships") and "mentoring" in names("relationships")
    assert "culturally responsive" in names("cultural_competence")


def _copy(tmp_path):
    d = tmp_path / "guidance"
    shutil.copytree(GUIDANCE_DIR, d)
    return d


def _edit(d, name, old, new, count=1):
    p = d / name
    text = p.read_text(encoding="utf-8")
    assert old in text, old
    p.write_text(text.replace(old, new, count), encoding="utf-8")


def _error(d) -> str:
    with pytest.raises(GuidanceError) as exc:
        load_guidance(d)
    assert isinstance(exc.value, ValueError)
    return str(exc.value)


def _broken(tmp_path, *edits) -> str:
    """The error message of a copy of the guidance with edits (file, old, new) applied."""
    d = _copy(tmp_path)
    for name, old, new in edits:
        _edit(d, name, old, new)
    return _error(d)


def _has_line(msg, *parts):
    assert any(all(p in line for p in parts) for line in msg.splitlines()), msg


def test_unknown_topic_id(tmp_path):
    msg = _broken(tmp_path, (TOPICS_FILE, "  bullying:\n", "  bulying:\n"))
    _has_line(msg, TOPICS_FILE, "bulying", "unknown topic id")
    _has_line(msg, TOPICS_FILE, "bullying", "topic has no guidance")


def test_duplicate_ids(tmp_path):
    msg = _broken(tmp_path, (QUICK_GUIDE_FILE, "- id: AS2-2", "- id: AS2-1"), (TOPICS_FILE, "- id: REL-T2", "- id: REL-T1"),
                  (SECURE_FILE, "- id: SEC-3-I2", "- id: SEC-3-I1"))
    _has_line(msg, QUICK_GUIDE_FILE, "AS2-1", "duplicate id")
    _has_line(msg, TOPICS_FILE, "REL-T1", "duplicate id")
    _has_line(msg, SECURE_FILE, "SEC-3-I1", "duplicate id")
    assert len(msg.splitlines()) >= 3  # all problems collected, one per line


def test_missing_required_field(tmp_path):
    msg = _broken(tmp_path, (TOPICS_FILE, "          name: Advisory periods\n", ""),
                  (SECURE_FILE, "        text: The MOU requires data on arrests, referrals and use of force, broken down "
                                "by student group.\n", ""),
                  (QUICK_GUIDE_FILE, "    title: Engaging stakeholders\n", ""))
    _has_line(msg, TOPICS_FILE, "REL-U1", "missing required field 'name'")
    _has_line(msg, SECURE_FILE, "SEC-2-S5", "missing required field 'text'")
    _has_line(msg, QUICK_GUIDE_FILE, "AS2", "missing required field 'title'")


def test_unknown_field_and_bad_flag(tmp_path):
    msg = _broken(tmp_path, (SECURE_FILE, "        keeps_out_of_discipline: true\n      - id: SEC-2-S3",
                               "        keeps_out_of_discipline: maybe\n      - id: SEC-2-S3"),
                  (TOPICS_FILE, "          name: Advisory periods\n", "          name: Advisory periods\n          rationle: typo\n"))
    _has_line(msg, SECURE_FILE, "SEC-2-S2", "'keeps_out_of_discipline' must be true or false")
    _has_line(msg, TOPICS_FILE, "REL-U1", "unknown field 'rationle'")


def test_counts_checked(tmp_path):
    msg = _broken(tmp_path,
                  (QUICK_GUIDE_FILE, "      - Only informing people instead of asking them and acting on what they say.\n", ""),
                  (QUICK_GUIDE_FILE, "      - Hearing mostly from the families and staff who are already the most involved.\n", ""))
    _has_line(msg, QUICK_GUIDE_FILE, "AS2", "has 1 pitfalls; expected 2-4")


def test_missing_file(tmp_path):
    d = _copy(tmp_path)
    (d / TOPICS_FILE).unlink()
    _has_line(_error(d), TOPICS_FILE, "(file)", "cannot be read")


ONE_EDIT = [
    ("unknown topic in secure", SECURE_FILE, "topics: [physical_safety, relationships]",
     "topics: [physical_safety, safety_feelings]", "SEC-1", "unknown topic id 'safety_feelings'"),
    ("unknown step reference", TOPICS_FILE, "steps: [AS4-1, AS4-2, AS4-4]\n        - id: DIS-U2",
     "steps: [AS4-1, AS9-2, AS4-4]\n        - id: DIS-U2", "DIS-U1", "unknown Quick Guide step reference 'AS9-2'"),
    ("unknown strategy reference", SECURE_FILE, "strategies: [DIS-U1, DIS-U2, DIS-T2]",
     "strategies: [DIS-U1, DIS-U9, DIS-T2]", "SEC-2", "unknown strategy reference 'DIS-U9'"),
    ("unknown criterion reference", TOPICS_FILE, "secure_criteria: [SEC-2-S2, SEC-2-I1, SEC-4-S1]",
     "secure_criteria: [SEC-2-S2, SEC-2-I9, SEC-4-S1]", "discipline", "unknown SECURe criterion reference 'SEC-2-I9'"),
    ("unknown sro item", SECURE_FILE, "sro_items: [SRO_PRESENT, SRO_KNOW]", "sro_items: [SRO_PRESENT, SRO_SMILE]",
     "SEC-1", "unknown SRO item suffix 'SRO_SMILE'"),
    ("malformed yaml", SECURE_FILE, "  - id: SEC-3\n", "  - id: SEC-3\n   bad: [unclosed\n", "(file)",
     "malformed YAML at line"),
    ("wrong strategy tier id", TOPICS_FILE, "- id: SUB-T1", "- id: SUB-U7", "SUB-U7", "must look like XYZ-T1"),
]


@pytest.mark.parametrize("name,file,old,new,entry,reason", ONE_EDIT, ids=[e[0] for e in ONE_EDIT])
def test_one_broken_entry_is_named_with_its_file_and_reason(tmp_path, name, file, old, new, entry, reason):
    _has_line(_broken(tmp_path, (file, old, new)), file, entry, reason)
