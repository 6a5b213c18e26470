"""The family-facing results page and one-page summary, in English and Spanish: every number is a
stored, gated cell; hidden cells say why in the page's language; only the school's staff open it."""
import datetime as dt
import re
from html import unescape

import pytest

from climate import results
from climate.administer.service import create_administration, pinned_instrument
from climate.extensions import db
from climate.models import ScoringRun
from climate.scoring import score_administration
from climate.simulate import simulate_administration
from surveys.domain import DOMAIN_LABELS, DOMAINS, GROUP_LABELS, LEVEL_LABELS


def simulate_and_score(administration, world, parents_b):
    counts = {(world.school_a.id, "student"): 160, (world.school_b.id, "student"): 90,
              (world.school_a.id, "instructional_staff"): 25, (world.school_b.id, "instructional_staff"): 15,
              (world.school_a.id, "parent"): 60, (world.school_b.id, "parent"): parents_b}
    simulate_administration(administration, counts, seed=5)
    return score_administration(administration)


@pytest.fixture
def scored(administration, world, prebuilt):
    """Enough parents at both schools for every parent question to be shown."""
    run_id = prebuilt("test_family.scored", lambda: simulate_and_score(administration, world, parents_b=40).id)
    return administration, db.session.get(ScoringRun, run_id)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", html))).strip()


def parent_rows(html: str) -> dict[str, tuple[str, str, str]]:
    """item id -> (question, favorable, district) texts of the family page's parent tables."""
    return {i: (text_of(q), text_of(f), text_of(d)) for i, q, f, d in re.findall(
        r'<tr data-item="([^"]+)"><th scope="row">(.*?)</th><td class="num favorable">(.*?)</td>'
        r'<td class="num district">(.*?)</td></tr>', html, re.S)}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_family_page_gives_each_parent_question_and_the_domain_results_in_the_language(scored, world, client,
                                                                                        auth, lang):
    administration, run = scored
    auth.sign_in("principal.a@d1.example")
    response = client.get(f"/reports/schools/{world.school_a.id}/family?lang={lang}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    other = "en" if lang == "es" else "es"
    assert re.search(rf'href="[^"]*lang={other}"[^>]*hreflang="{other}"', html)
    assert ("Lo que dijeron los padres y tutores" in html) == (lang == "es")
    assert ("What parents and guardians said" in html) == (lang == "en")
    instrument = pinned_instrument(administration.group("parent"))[0]
    mine = results.index_cells(results.cells(run, school_id=world.school_a.id, group="parent", measure_kind="item"))
    district = results.index_cells(results.cells(run, school_id=None, group="parent", measure_kind="item"))
    rows = parent_rows(html)
    assert len(rows) == len(instrument.items) > 20
    for item in instrument.items:
        cell = mine[(world.school_a.id, "parent", "item", item.id, None, None)]
        dcell = district[(None, "parent", "item", item.id, None, None)]
        assert not cell["suppressed"]
        question, favorable, dist = rows[item.id]
        assert question == item.text[lang]
        assert favorable == f"{cell['pct_favourable']:.0f}% favorable"
        assert dist == f"{dcell['pct_favourable']:.0f}%"
    domain_cells = results.index_cells(results.cells(run, school_id=world.school_a.id, measure_kind="domain"))
    table = re.search(r'<table class="family-table domain-table">(.*?)</table>', html, re.S).group(1)
    for d in DOMAINS:
        row = re.search(rf'<tr data-domain="{d}">(.*?)</tr>', table, re.S).group(1)
        assert DOMAIN_LABELS[d][lang] in row
        for g in ("student", "instructional_staff"):
            c = domain_cells[(world.school_a.id, g, "domain", d, None, None)]
            td = text_of(re.search(rf'<td data-group="{g}">(.*?)</td>', row, re.S).group(1))
            assert td.startswith(f"{c['mean']:.0f}, {LEVEL_LABELS[c['level']][lang]}"), td
    rates = results.response_rates(administration, world.school_a)
    submitted, enrollment = rates["parent"]
    rate_item = text_of(re.search(r'<li data-group="parent">(.*?)</li>', html, re.S).group(1))
    assert rate_item.startswith(GROUP_LABELS["parent"][lang])
    assert f"{submitted} " in rate_item and f"{enrollment} " in rate_item
    assert f"({100 * submitted / enrollment:.0f}%)" in rate_item


@pytest.mark.parametrize("lang", ["en", "es"])
def test_one_page_summary_quotes_the_most_and_least_favorable_shown_questions(scored, world, client, auth, lang):
    _, run = scored
    auth.sign_in("staff1@d1.example")
    response = client.get(f"/reports/schools/{world.school_a.id}/family/summary?lang={lang}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="one-page"' in html and f'<html lang="{lang}">' in html
    cells = [c for c in results.cells(run, school_id=world.school_a.id, group="parent", measure_kind="item")
             if not c["suppressed"] and c["pct_favourable"] is not None]
    best = [c["measure"] for c in sorted(cells, key=lambda c: (-c["pct_favourable"], c["measure"]))[:3]]
    worst = [c["measure"] for c in sorted([c for c in cells if c["measure"] not in best],
                                          key=lambda c: (c["pct_favourable"], c["measure"]))[:3]]
    for cls, expected in (("highlight-best", best), ("highlight-worst", worst)):
        block = re.search(rf'<div class="{cls}">(.*?)</div>', html, re.S).group(1)
        assert re.findall(r'<li data-item="([^"]+)">', block) == expected
    by_id = {c["measure"]: c for c in cells}
    first = re.search(r'<li data-item="([^"]+)">(.*?)</li>', html, re.S)
    assert f"{by_id[first.group(1)]['pct_favourable']:.0f}% favorable" in text_of(first.group(2))


def test_hidden_parent_results_say_why_in_spanish_and_show_no_number(administration, world, client, auth):
    # 6 parents at school B: hidden there, and school A's hidden too, or B's could be worked out
    run = simulate_and_score(administration, world, parents_b=6)
    hidden = [c for c in results.cells(run, school_id=world.school_a.id, group="parent", measure_kind="item")]
    assert hidden and all(c["suppressed"] for c in hidden)
    auth.sign_in("principal.a@d1.example")
    html = client.get(f"/reports/schools/{world.school_a.id}/family?lang=es").get_data(as_text=True)
    rows = parent_rows(html)
    assert rows and all(f == "No se muestra para proteger a un grupo más pequeño" for _, f, _ in rows.values())
    assert "Respondieron muy pocos padres y tutores" in html
    summary = client.get(f"/reports/schools/{world.school_a.id}/family/summary?lang=es").get_data(as_text=True)
    parents = re.search(r'<section class="family-section" aria-labelledby="parents-heading">(.*?)</section>',
                        summary, re.S).group(1)
    assert not re.search(r"\d", text_of(parents))
    b = client.get(f"/reports/schools/{world.school_b.id}/family?lang=en")
    assert b.status_code == 403


def test_family_pages_without_a_parent_survey_say_so(world, client, auth):
    now = dt.datetime.now().replace(microsecond=0)
    admin = create_administration(world.d1, "Students only", now - dt.timedelta(days=30), now - dt.timedelta(days=1),
                                  [world.school_a], ["student"], sro_module=False)
    db.session.commit()
    simulate_administration(admin, {(world.school_a.id, "student"): 40}, seed=2)
    score_administration(admin)
    auth.sign_in("principal.a@d1.example")
    for lang, words in (("en", "Parents and guardians were not asked"), ("es", "no se pidió a los padres")):
        for path in ("family", "family/summary"):
            html = client.get(f"/reports/schools/{world.school_a.id}/{path}?lang={lang}").get_data(as_text=True)
            assert words in html, (lang, path)
            assert "parent-table" not in html and "highlight-best" not in html


def test_who_may_open_the_family_pages(scored, world, client, auth):
    for path in ("family", "family/summary"):
        url = f"/reports/schools/{world.school_a.id}/{path}"
        assert client.get(url).status_code == 302  # signed out: to the sign-in page
        auth.sign_in("principal.b@d1.example")
        assert client.get(url).status_code == 403
        auth.sign_out()
        auth.sign_in("staff2@d2.example")
        assert client.get(url).status_code == 404
        auth.sign_out()
        auth.sign_in("principal.a@d1.example")
        assert client.get(url).status_code == 200
        assert client.get(url + "?lang=fr").status_code == 404
        auth.sign_out()
