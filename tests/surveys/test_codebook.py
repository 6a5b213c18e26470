"""Codebook rows, CSV and Markdown."""
from __future__ import annotations

import csv
import io

import pytest

from surveys.codebook import CodebookRow, codebook, codebook_csv, codebook_markdown
from surveys.domain import RESPONDENT_GROUPS
from surveys.instruments import load_instruments, validate_custom_items


@pytest.fixture(scope="module")
def instruments():
    return load_instruments()


def _by_var(rows):
    return {r.variable: r for r in rows}


@pytest.mark.parametrize("group", RESPONDENT_GROUPS)
def test_one_row_per_variable(instruments, group):
    inst = instruments[group]
    rows = codebook(inst)
    assert all(isinstance(r, CodebookRow) for r in rows)
    names = [r.variable for r in rows]
    assert len(names) == len(set(names))
    for it in inst.items + inst.sro_items:
        assert it.id in names
    for b in inst.background + inst.sro_background:
        if b.multiple:
            assert b.id not in names
            assert all(f"{b.id}_{o.value}" in names for o in b.options)
        else:
            assert b.id in names
    assert all(n.isidentifier() for n in names)
    assert rows[-1].module == "background"


def test_item_rows(instruments):
    rows = _by_var(codebook(instruments["student"]))
    r = rows["S_REL_01"]
    assert (r.topic, r.domain, r.scaled, r.reverse, r.module) == ("relationships", "engagement", True, False, "core")
    assert r.text_en == "My teachers care about me."
    assert r.text_es == "Les importo a mis maestros."
    assert r.value_labels == [(1, "Strongly agree", "Muy de acuerdo"), (2, "Agree", "De acuerdo"),
                              (3, "Disagree", "En desacuerdo"), (4, "Strongly disagree", "Muy en desacuerdo")]
    assert rows["S_EMO_04"].reverse
    assert not rows["S_REL_06"].scaled
    assert rows["S_SRO_DISC"].module == "sro" and rows["S_SRO_DISC"].reverse
    assert rows["S_SRO_PRESENT"].module == "sro"
    assert rows["S_BUL_01"].value_labels[0] == (1, "Not a problem", "No es un problema")


def test_race_is_one_01_variable_per_option(instruments):
    rows = _by_var(codebook(instruments["student"]))
    for v in (1, 2, 4, 8, 16, 32):
        r = rows[f"S_RACE_{v}"]
        assert r.value_labels == [(0, "Not selected", "No seleccionado"), (1, "Selected", "Seleccionado")]
        assert r.module == "background" and r.topic is None
    assert "[White]" in rows["S_RACE_16"].text_en and "[Blanco(a)]" in rows["S_RACE_16"].text_es
    assert "S_RACE" not in rows
    grade = rows["S_GRADE"]
    assert (13, "Ungraded (no grade level)", "Sin grado (no tiene un grado asignado)") in grade.value_labels
    assert grade.value_labels[-1] == (99, "Prefer not to say", "Prefiero no responder")


def test_sro_off_and_custom(instruments):
    inst = instruments["instructional_staff"]
    custom = validate_custom_items([{"text": {"en": "Do you coach a team?", "es": "¿Entrena a algún equipo?"},
                                     "options": [{"en": "Yes", "es": "Sí"}, {"en": "No", "es": "No"}]}])
    rows = codebook(inst, sro=False, custom=custom)
    names = [r.variable for r in rows]
    assert not any("SRO" in n for n in names)
    c = _by_var(rows)["C01"]
    assert c.module == "custom" and not c.scaled and c.value_labels == [(1, "Yes", "Sí"), (2, "No", "No")]
    assert names.index("C01") < names.index("T_ROLE")
    assert "P_SRO_KNOW" not in [r.variable for r in codebook(instruments["parent"], sro=True)]


def test_csv(instruments):
    rows = codebook(instruments["student"])
    text = codebook_csv(rows)
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert len(parsed) == len(rows)
    assert list(parsed[0]) == ["variable", "module", "topic", "domain", "scaled", "reverse",
                               "text_en", "text_es", "value_labels_en", "value_labels_es"]
    rel = next(p for p in parsed if p["variable"] == "S_REL_01")
    assert rel["scaled"] == "1" and rel["reverse"] == "0" and rel["topic"] == "relationships"
    assert rel["value_labels_en"] == "1=Strongly agree; 2=Agree; 3=Disagree; 4=Strongly disagree"
    assert rel["value_labels_es"].startswith("1=Muy de acuerdo; 2=De acuerdo")
    race = next(p for p in parsed if p["variable"] == "S_RACE_4")
    assert race["value_labels_en"] == "0=Not selected; 1=Selected" and race["topic"] == ""
    # Spanish text with commas and quotes survives the round trip
    assert any("¿" in p["text_es"] for p in parsed)


def test_markdown(instruments):
    rows = codebook(instruments["parent"])
    md = codebook_markdown(rows)
    lines = md.splitlines()
    assert lines[0].startswith("| Variable |") and lines[1].startswith("|---")
    table = [line for line in lines if line.startswith("| P_")]
    assert len(table) == len(rows)
    assert all(line.count(" | ") == 8 for line in table)
    assert any("Physical safety" in line and "Mi hijo(a) está seguro(a)" in line for line in table)
    assert "no answer" in md


def test_markdown_escapes_pipes():
    row = CodebookRow("X1", "a | b", "c", None, None, False, False, [(1, "y|n", "s|n")], "custom")
    line = codebook_markdown([row]).splitlines()[2]
    assert "a \\| b" in line and "1=y\\|n" in line
