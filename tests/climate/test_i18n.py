"""The staff side in English and Spanish: the catalogue is complete and compiled, and the language
switch in the page header holds for the session on every kind of staff page."""
import io
import re
from html import unescape
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from flask_babel import refresh


ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "climate" / "translations" / "es" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdr]")
UPDATE = ("pybabel extract -F babel.cfg -k _l -o climate/translations/messages.pot . && "
          "pybabel update -i climate/translations/messages.pot -d climate/translations -l es --no-fuzzy-matching && "
          "pybabel compile -d climate/translations")


def _po():
    with open(CATALOG / "messages.po", "rb") as handle:
        return read_po(handle, locale="es")


def _source_msgids() -> set:
    """Every msgid the code and templates ask for (a tuple for a plural), read as pybabel extract does."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = dict(DEFAULT_KEYWORDS, _l=None)
    return {msg for _file, _line, msg, _comments, _context
            in extract_from_dir(str(ROOT), method_map, options_map, keywords=keywords)}


def _forms(value) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def test_every_msgid_has_a_spanish_translation_with_the_same_placeholders():
    catalog = {m.id: m.string for m in _po() if m.id}
    found = _source_msgids()
    assert len(found) > 400, "the staff pages' strings are extracted"
    missing = sorted((m for m in found if not all(_forms(catalog.get(m)))), key=str)
    assert not missing, (f"{len(missing)} msgids have no Spanish in {CATALOG / 'messages.po'}; run\n  {UPDATE}\n"
                         "and translate:\n" + "\n".join(f"  {m!r}" for m in missing))
    wrong = []
    for msgid in found:
        expected = set(PLACEHOLDER.findall(" ".join(_forms(msgid))))
        for form in _forms(catalog[msgid]):
            if set(PLACEHOLDER.findall(form)) != expected or form.count("%%") != _forms(msgid)[0].count("%%"):
                wrong.append((msgid, form))
    assert not wrong, "Spanish with other placeholders than the English:\n" + "\n".join(map(repr, wrong))


def test_committed_mo_is_compiled_from_the_committed_po():
    """The app reads the committed .mo (a clean checkout needs no compile step): it holds the .po."""
    fresh = io.BytesIO()
    write_mo(fresh, _po())
    fresh.seek(0)
    expected = {str(m.id): m.string for m in read_mo(fresh) if m.id}
    with open(CATALOG / "messages.mo", "rb") as handle:
        committed = {str(m.id): m.string for m in read_mo(handle) if m.id}
    assert committed == expected, f"recompile the catalogue: pybabel compile -d climate/translations"


# --- pages ------------------------------------------------------------------------------------

def text_of(response) -> str:
    html = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def html_lang(response) -> str:
    return re.search(r'<html lang="(\w+)"', response.get_data(as_text=True)).group(1)


def switch(client, lang, back):
    response = client.get(f"/language/{lang}", query_string={"next": back})
    assert response.status_code == 302 and response.headers["Location"] == back
    return response


@pytest.fixture
def scored(administration, world, scored_run):
    counts = {(world.school_a.id, "student"): 60, (world.school_a.id, "instructional_staff"): 12,
              (world.school_b.id, "student"): 30}
    return administration, scored_run("test_i18n.scored", counts, seed=3)


def test_principal_switches_to_spanish_for_the_session_and_back(client, auth, world, scored):
    administration, _run = scored
    school_id, admin_id = world.school_a.id, administration.id
    auth.sign_in("principal.a@d1.example")
    home = client.get("/")
    assert html_lang(home) == "en" and "You are signed in as the principal of" in text_of(home)
    assert 'href="/language/es?next=/" lang="es" hreflang="es"' in home.get_data(as_text=True)

    switch(client, "es", "/")
    pages = {
        "/": ["Inició sesión como director de", "Administraciones", "Mejora", "Cerrar sesión"],
        f"/reports/schools/{school_id}": ["Inicio", "Seguridad física", "Estudiantes"],
        # the questionnaire's own Spanish for the items, answers and subgroup values
        f"/reports/schools/{school_id}/topics/relationships":
            ["Relaciones en School A", "Respuestas a cada pregunta", "Puntuación de escala", "Muy de acuerdo",
             "Les importo a mis maestros.", "Relaciones por grado", "Menos de 10 encuestados"],
        "/administrations": ["Administraciones", "Estado de las respuestas", "Abierta"],
        f"/administrations/{admin_id}/status": ["Códigos y respuestas por escuela y grupo de encuestados"],
        "/reports/response-rates": ["Tasas de respuesta", "Enviadas", "En curso"],
        "/improve/": ["De las puntuaciones a la acción", "Puntuación Menos favorable"],
        f"/improve/schools/{school_id}/plan": ["Plan de acción: School A", "Agregar un paso propio"],
    }
    for path, words in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        assert html_lang(response) == "es", path
        text = text_of(response)
        for word in words:
            assert word in text, (path, word)
        assert f'href="/language/en?next={path}" lang="en" hreflang="en"' in response.get_data(as_text=True)

    # the report's date is in Spanish words too ("publicada el 1 de diciembre de 2026")
    assert re.search(r"publicada el \d{1,2} de [a-z]+ de \d{4}", text_of(client.get(f"/reports/schools/{school_id}")))

    switch(client, "en", "/improve/")
    back = client.get("/improve/")
    assert html_lang(back) == "en" and "From scores to action" in text_of(back)
    assert "De las puntuaciones" not in text_of(client.get("/improve/"))


def test_district_staff_read_administration_exports_and_error_pages_in_spanish(client, auth, world, scored):
    administration, _run = scored
    admin_id = administration.id
    auth.sign_in("staff1@d1.example")
    switch(client, "es", f"/administrations/{admin_id}")
    pages = {
        f"/administrations/{admin_id}": ["Códigos de acceso", "Enlaces abiertos", "Extender la fecha de cierre",
                                        "Aviso a las familias y exclusiones", "Volver a calificar", "Cuántos códigos"],
        "/administrations/new": ["Crear una administración", "Grupos de encuestados", "Estudiantes",
                                 "Estudiantes: texto de consentimiento (español)"],
        f"/exports/administrations/{admin_id}": ["Exportaciones e importaciones", "Archivos de respuestas",
                                                 "Resultados por grupo", "Archivo CSV"],
        "/district/schools": ["Escuelas de District One", "Agregar una escuela", "Secundaria (middle school)"],
        "/district/principals": ["Cuentas de directores", "Emitir una contraseña nueva"],
        "/research/": ["Calibraciones", "Incluida con el cuestionario"],
        "/improve/plans": ["Planes de acción de todas las escuelas"],
    }
    for path, words in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        text = text_of(response)
        for word in words:
            assert word in text, (path, word)

    missing = client.get("/administrations/999999")
    assert missing.status_code == 404 and "Página no encontrada" in text_of(missing)

    # a form's messages, a flash and WTForms' own messages are Spanish as well
    refused = client.post("/administrations/new", data={"name": "", "opens": "", "closes": "soon"})
    text = text_of(refused)
    assert refused.status_code == 400
    assert "Corrija lo siguiente" in text and "Póngale un nombre a la administración." in text
    assert "Escriba una fecha y hora como 2026-03-02 08:00." in text
    response = client.post(f"/administrations/{admin_id}/score", follow_redirects=True)
    assert "La calificación está en cola" in text_of(response)

    # the choice outlives signing out and in again
    auth.sign_out()
    signed_out = client.get("/auth/sign-in")
    assert html_lang(signed_out) == "es" and "Usted cerró la sesión." in text_of(signed_out)
    auth.sign_in("staff1@d1.example")
    assert "Inició sesión como personal del distrito" in text_of(client.get("/"))


def test_district_staff_compare_schools_in_spanish_with_and_without_the_subgroup_gaps(client, auth, world, scored):
    auth.sign_in("staff1@d1.example")
    switch(client, "es", "/reports/comparison")
    english = ["Compare schools", "Respondent group", "Difference from the district mean", "District mean",
               "Select a column heading to sort", "Subgroup gaps within schools", "For a topic you choose",
               "Choose a topic and select", "Show gaps", "Download this table", "All levels", "larger than"]
    common = ["Comparar escuelas", "Grupo de encuestados", "Nivel escolar", "Media del distrito",
              "Seleccione el encabezado de una columna para ordenar", "Descargar esta tabla (CSV)",
              "Calificados", "Primaria"]
    pages = {
        "/reports/comparison": common + ["Brechas entre subgrupos dentro de las escuelas",
                                         "puntuaciones de escala por tema", "Elija un tema y seleccione"],
        "/reports/comparison?view=difference&level=elementary": common + [
            "diferencia con la media del distrito y su intervalo del 95%;", "Mostrar las puntuaciones de escala",
            "nivel escolar: Primaria"],
        "/reports/comparison?gaps=relationships&gapsby=all":
            common + ["Brechas entre subgrupos dentro de las escuelas: Relaciones"],
    }
    for path, spanish in pages.items():
        response = client.get(path)
        assert response.status_code == 200 and html_lang(response) == "es", path
        text = text_of(response)
        for words in spanish:
            assert words in text, (path, words)
        for words in english:
            assert words not in text, (path, words)
    gaps = text_of(client.get("/reports/comparison?gaps=relationships&gapsby=all"))
    assert ("brechas en Relaciones mayores que su intervalo" in gaps
            or "Ninguna brecha entre subgrupos en relaciones es mayor que su intervalo" in gaps)
    # a school clearly above or below the district mean is marked in Spanish, and the CSV has the same labels
    diff = client.get("/reports/comparison?view=difference").get_data(as_text=True)
    marks = re.findall(r'class="num [^"]*flag-(above|below)[^"]*"><strong>[^<]* (por encima|por debajo)</strong>', diff)
    assert marks and all(word == {"above": "por encima", "below": "por debajo"}[flag] for flag, word in marks)
    csv_rows = client.get("/reports/comparison.csv").get_data(as_text=True).splitlines()
    assert csv_rows[0].startswith("Escuela,Nivel,Calificados,") and csv_rows[-1].startswith("Media del distrito,Todos,")


def test_the_switch_returns_only_to_a_page_of_this_site(client):
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "relative", ""):
        response = client.get("/language/es", query_string={"next": target})
        assert response.status_code == 302 and response.headers["Location"] == "/", target
    assert client.get("/language/fr").status_code == 404
    # the page it returns to keeps its query but not a ?lang= that would outvote the choice
    back = client.get("/language/en", query_string={"next": "/reports/response-rates?administration=3&lang=es"})
    assert back.headers["Location"] == "/reports/response-rates?administration=3"
    client.get("/language/es", query_string={"next": "/"})
    welcome = client.get("/")
    assert html_lang(welcome) == "es" and "Encuestas sobre el ambiente escolar" in text_of(welcome)
    asked = client.get("/improve/", follow_redirects=True)
    assert "Inicie sesión para ver esa página." in text_of(asked) and "Iniciar sesión" in text_of(asked)


def test_respondent_pages_keep_their_own_language_switch(client, administration, world, issue):
    code = issue(administration, world.school_a)[0]
    response = client.get(f"/s/{code}", follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "/language/" not in html  # the survey's own switch, not the staff one
    spanish = client.get(f"/s/{code}?lang=es", follow_redirects=True)
    assert html_lang(spanish) == "es"


@pytest.fixture
def scored_with_parents(administration, world, scored_run):
    counts = {(world.school_a.id, "student"): 60, (world.school_a.id, "instructional_staff"): 12,
              (world.school_a.id, "parent"): 15, (world.school_b.id, "student"): 30}
    scored_run("test_i18n.scored_with_parents", counts, seed=3)
    return administration


def test_a_principal_reads_the_report_print_view_parent_results_improvement_and_checklist_in_spanish(
        client, auth, world, scored_with_parents):
    school_id, admin_id = world.school_a.id, scored_with_parents.id
    auth.sign_in("principal.a@d1.example")
    # a school checklist with an open item, so the improvement page lists SECURe action items
    saved = client.post(f"/improve/schools/{school_id}/sro",
                        data={"has_sro": "yes", "mou_date": "2024-08-15", "rating-SEC-2-S2": "not_met"})
    assert saved.status_code == 302
    switch(client, "es", "/")
    report = f"/reports/schools/{school_id}?administration={admin_id}"
    pages = {
        report: (["Quiénes respondieron", "Respuestas en School A", "Puntuaciones por dominio. El rombo marca",
                  "puntuaciones de escala por dominio en School A", "Informe para imprimir",
                  "Resultados de las familias", "Medida", "Intervalo del 95%"],
                 ["Who answered", "Domain scores. The diamond marks", "domain scale scores at", "Printable report",
                  "respondents scored; response rate", "are never shown, nor any group"]),
        f"/reports/schools/{school_id}/print?administration={admin_id}":
            (["Este es el informe para imprimir", "Imprimir este informe", "Volver al informe",
              "Los intervalos son intervalos de confianza del 95%."],
             ["This is the printable report", "Print this report", "Intervals are 95% confidence intervals",
              "Scale scores run from 100 to 500"]),
        f"/reports/schools/{school_id}/parents?administration={admin_id}":
            (["Resultados de madres, padres y tutores en School A", "pregunta por pregunta",
              "Madres, padres y tutores:"],
             ["Parent and guardian results at", "Parent results are reported item by item",
              "percent choosing each answer"]),
        f"/improve/schools/{school_id}": (["Mejora: School A", "Recomendaciones, de la más urgente",
                                           "Agentes de recursos escolares (SRO): pasos de acción SECURe",
                                           "No cumplido", "Agregar al plan", "Lista de verificación SECURe"],
                                          ["Recommendations, most urgent first", "Urgency is the strength",
                                           "School resource officers: SECURe action items", "Add to plan",
                                           "Officers at the school", "Not met"]),
        f"/improve/schools/{school_id}/sro": (["Lista de verificación SECURe de School A",
                                               "Para empezar (una colaboración nueva",
                                               "Cumplido en parte", "Guardar la lista de verificación",
                                               "Fecha del memorando de entendimiento (MOU)"],
                                              ["A review of how the district", "Save the checklist",
                                               "Partly met", "To start (a new partnership",
                                               "Date of the memorandum of understanding"]),
    }
    for path, (spanish, english) in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        assert html_lang(response) == "es", path
        text = text_of(response)
        for words in spanish:
            assert words in text, (path, words)
        for words in english:
            assert words not in text, (path, words)


def test_recommendation_evidence_is_the_rules_sentence_in_english_and_spanish_otherwise(app, world, scored):
    """The evidence the rules write in English (surveys/) is rebuilt from its numbers in the reader's language."""
    from climate.improve.recommendations import recommendation_evidence, school_recommendations, school_results

    administration, _run = scored
    recs = school_recommendations(school_results(world.school_a, administration))
    assert {"least_favorable", "low_response"} <= {r.kind for r in recs}
    with app.test_request_context("/"):
        assert [recommendation_evidence(r) for r in recs] == [r.evidence for r in recs]
    with app.test_request_context("/?lang=es"):
        refresh()  # the test's app context outlives a request: forget the English it cached
        spanish = [recommendation_evidence(r) for r in recs]
    for r, text in zip(recs, spanish):
        assert text != r.evidence and ("excludes zero" not in text and "submitted the survey" not in text), text
        assert re.findall(r"\d+", text) == re.findall(r"\d+", r.evidence), (r.evidence, text)
