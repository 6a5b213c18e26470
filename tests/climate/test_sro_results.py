"""SRO results (issue 14): the SRO module's item cells stored per subgroup through the disclosure
gate, the SRO section of the school report and of the district's SECURe view, SECURe action items
carrying the evidence, who sees what, and the demo's Cedar Middle."""
import html as html_module
import re

import pytest
from sqlalchemy import select

from climate import results
from climate.extensions import db
from climate.models import Administration, School
from surveys.disclosure import REASON_TEXT
from surveys.suppression import NUMBER_KEYS
from tests.climate.test_improve import cell, constructed_cells, sro_form, store_run, text_of

SRO_ITEMS = {"S_SRO_KNOW", "S_SRO_HELP", "S_SRO_DISC", "S_SRO_FAIR", "S_SRO_SAFE", "S_SRO_RESPECT",
             "T_SRO_KNOW", "T_SRO_HELP", "T_SRO_DISC", "T_SRO_FAIR", "T_SRO_SAFE", "T_SRO_RESPECT"}
LABELS = {text.format(n=10) for text in REASON_TEXT.values()}


@pytest.fixture
def simulated(administration, world, scored_run):
    counts = {(world.school_a.id, "student"): 150, (world.school_b.id, "student"): 80,
              (world.school_a.id, "instructional_staff"): 24, (world.school_b.id, "instructional_staff"): 16}
    return administration, scored_run("test_sro_results.simulated", counts, seed=11)


def test_sro_items_are_stored_per_subgroup_through_the_gate(simulated):
    administration, run = simulated
    assert run.audit_message == "Disclosure audit passed." and run.is_current
    subs = [c for c in results.cells(run, measure_kind="item", subgroup=True)]
    assert subs and {c["measure"] for c in subs} == SRO_ITEMS  # only the SRO module's items per subgroup
    hidden = [c for c in subs if c["suppressed"]]
    shown = [c for c in subs if not c["suppressed"]]
    assert hidden and shown
    assert all(c[k] is None for c in hidden for k in NUMBER_KEYS if k in c)
    assert all(c["label"] in LABELS and c["reason"] for c in hidden)
    assert all(c["n"] >= run.min_n and c["pct"] is not None for c in shown)
    # a school category hidden for an item is hidden in the district too unless at least two schools
    # hide it (the district less the shown schools gives only their sum), and no school shows a
    # single hidden category of a question beside its shown ones
    by_key = {(c["group"], c["school_id"], c["measure"], c["subgroup"], c["subgroup_value"]): c for c in subs}
    for (g, school, item, var, value), c in by_key.items():
        if school is not None and c["suppressed"]:
            hiding = [k for k, x in by_key.items() if k[1] is not None and k[0] == g and k[2:] == (item, var, value)
                      and x["suppressed"]]
            assert by_key[(g, None, item, var, value)]["suppressed"] or len(hiding) >= 2, (g, school, item, var, value)
            partition = [x for k, x in by_key.items() if k[:4] == (g, school, item, var)]
            assert sum(x["suppressed"] for x in partition) >= 2 or len(partition) == 1
    # the presence question: one cell per school and the district, as shares of the answers
    presence = results.cells(run, measure_kind="item", measure="S_SRO_PRESENT")
    assert {c["school_id"] for c in presence} == {None, administration.schools[0].id, administration.schools[1].id}


def test_school_report_and_print_show_the_sro_section_with_hidden_cells_labelled(simulated, client, auth, world):
    auth.sign_in("principal.a@d1.example")
    for url in (f"/reports/schools/{world.school_a.id}", f"/reports/schools/{world.school_a.id}/print"):
        page = client.get(url)
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and 'id="sro-heading"' in html, url
        assert "School resource officers: the SRO questions" in text_of(page)
        assert "I know the police officer who works at this school." in html
        cells = re.findall(r'<td class="num suppressed" data-value="[^"]*">(.*?)</td>', html, re.S)
        assert cells, "the simulated run hides some subgroup cells"
        for inner in cells:
            own = re.sub(r'<span class="district">.*?</span>', "", inner, flags=re.S)
            assert html_module.unescape(re.sub(r"<[^>]+>", "", own)).strip() in LABELS, inner


def test_a_principal_cannot_read_another_schools_sro_section(simulated, client, auth, world):
    auth.sign_in("principal.a@d1.example")
    assert client.get(f"/reports/schools/{world.school_b.id}").status_code in (403, 404)
    assert client.get(f"/reports/schools/{world.school_b.id}/print").status_code in (403, 404)
    auth.sign_out()
    auth.sign_in("staff2@d2.example")
    assert client.get(f"/reports/schools/{world.school_a.id}").status_code == 404


def sro_cells(world):
    """School A's students say officers get involved in discipline (80%, district 30%) and few find
    them fair; school B's answers are hidden.  Discipline is Least Favorable at A (constructed_cells)."""
    a, b = world.school_a.id, world.school_b.id

    def item(school, measure, pct, n=200, suppressed=False):
        c = cell(school, measure, None, kind="item", n=n)
        if suppressed:
            return {**c, "suppressed": True, "n": None, "label": "Fewer than 10 respondents", "reason": "fewer"}
        fav = pct[2] + pct[3]
        return {**c, "pct": pct, "pct_favourable": fav, "counts": [round(p * n / 100) for p in pct]}

    return [item(a, "S_SRO_DISC", [50.0, 30.0, 15.0, 5.0]), item(a, "S_SRO_FAIR", [20.0, 30.0, 35.0, 15.0]),
            item(a, "S_SRO_PRESENT", [10.0, 10.0, 0.0, 80.0]),
            item(b, "S_SRO_DISC", None, suppressed=True), item(b, "S_SRO_PRESENT", [50.0, 20.0, 0.0, 30.0]),
            item(None, "S_SRO_DISC", [10.0, 20.0, 40.0, 30.0], n=600),
            item(None, "S_SRO_FAIR", [10.0, 20.0, 40.0, 30.0], n=600),
            {**item(a, "S_SRO_DISC", [60.0, 20.0, 10.0, 10.0], n=60), "subgroup": "grade", "subgroup_value": "7"},
            {**item(a, "S_SRO_DISC", None, suppressed=True), "subgroup": "grade", "subgroup_value": "6"}]


@pytest.fixture
def sro_scored(world, administration):
    store_run(administration, constructed_cells(world) + sro_cells(world))
    return administration


def test_action_items_carry_the_sro_evidence_and_the_district_view_lists_the_school(sro_scored, client, auth,
                                                                                    world):
    sentence = "80% of students say officers get involved in ordinary school discipline (district 30%)."
    auth.sign_in("staff1@d1.example")
    client.post(f"/improve/schools/{world.school_a.id}/sro", data=sro_form(**{"SEC_2_S2": "not_met",
                                                                              "SEC_1_S1": "not_met"}))
    improve = client.get(f"/improve/schools/{world.school_a.id}")
    body = text_of(improve)
    first = body.split("SECURe action items")[-1]
    assert first.index("SEC-2-S2") < first.index("SEC-1-S1")  # the evidence ranks SEC-2-S2 first
    evidence = first.split("SEC-2-S2", 1)[1].split("Add to plan")[0]
    assert "Survey evidence: Students' Discipline score is 268" in evidence and sentence in evidence
    spanish = text_of(client.get(f"/improve/schools/{world.school_a.id}?lang=es")).split("SEC-2-S2", 2)[1]
    assert "Lo que muestra la encuesta: La puntuación de Disciplina de los estudiantes es 268" in spanish
    assert "Students' Discipline score" not in spanish
    report = text_of(client.get(f"/reports/schools/{world.school_a.id}"))
    assert "What stands out " + sentence in report
    assert "35% of students say officers treat all students fairly (district 70%)." not in report  # 50% fair
    district = client.get("/improve/sro")
    html = district.get_data(as_text=True)
    assert f'data-school="{world.school_a.id}"' in html and f'data-school="{world.school_b.id}"' not in html
    row = re.search(rf'<tr data-school="{world.school_a.id}">(.*?)</tr>', html, re.S).group(1)
    assert sentence in row and "Yes, in the checklist" in row and "80% of students say so" in row
    assert "Discipline" in row
    # the district's own SRO section: district figures only, the hidden school B cell nowhere
    assert 'id="sro-heading"' in html and "District-wide SRO results from Spring survey." in text_of(district)


def test_the_district_view_explains_an_empty_list(administration, world, client, auth):
    """School A's discipline is Least Favorable and its checklist has a gap, but no checklist or
    survey answer says officers work there: no row, and the page says why the list is empty."""
    store_run(administration, constructed_cells(world))
    auth.sign_in("staff1@d1.example")
    client.post(f"/improve/schools/{world.school_a.id}/sro", data=sro_form(has_sro="no", SEC_2_S2="not_met"))
    page = text_of(client.get("/improve/sro"))
    assert "No school has officers together with two or more of these warning signs." in page


def test_a_principal_sees_only_their_schools_in_the_district_view(sro_scored, client, auth, world):
    auth.sign_in("staff1@d1.example")
    for school in (world.school_a, world.school_b):
        client.post(f"/improve/schools/{school.id}/sro", data=sro_form(**{"SEC_2_S2": "not_met"}))
    auth.sign_out()
    auth.sign_in("principal.b@d1.example")
    html = client.get("/improve/sro").get_data(as_text=True)
    assert f'data-school="{world.school_a.id}"' not in html and "80% of students" not in html


def test_demo_cedar_middle_has_sro_numbers_and_evidence(demo_app, demo_client, demo_auth):
    from climate.commands.demo_data import PRINCIPAL_EMAIL, _read_passwords

    client, auth = demo_client, demo_auth
    cedar = db.session.scalar(select(School).where(School.name == "Cedar Middle"))
    cedar_id = cedar.id
    admin = db.session.scalar(select(Administration).where(Administration.name == "Spring 2026"))
    run = results.current_run(admin.id)
    assert run.audit_message == "Disclosure audit passed."
    auth.sign_in(PRINCIPAL_EMAIL, _read_passwords()[PRINCIPAL_EMAIL])
    report = text_of(client.get(f"/reports/schools/{cedar_id}"))
    stands_out = report.split("What stands out")[1].split("See the SECURe action items")[0]
    found = re.findall(r"\d+% of students say officers get involved in ordinary school discipline \(district \d+%\)\.",
                       stands_out)
    assert found
    improve = text_of(client.get(f"/improve/schools/{cedar_id}")).split("SECURe action items")[-1]
    assert "Survey evidence: " + found[0] in improve
