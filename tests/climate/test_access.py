"""Every route of the application, for every kind of visitor: who gets what.

Each endpoint is given an access class below. A new route without a class fails this test, so
nobody adds a page without deciding who may see it."""
import re

import pytest

from climate.extensions import db
from climate.models import Calibration, ImportRecord, OpenLink, PlanItem

ROLES = ("anonymous", "respondent", "principal_a", "principal_b", "staff_d1", "staff_d2")

# endpoint -> access class
#   public     anyone (the respondent side and the front door)
#   signed_in  any staff account; lists show only what the account may see
#   staff      any district staff (pages about their own district; principals 403)
#   district   district staff of the object's district only (principals 403)
#   admin      any staff account of the administration's district (content filtered to own schools)
#   school_a   the school A object: district 1 staff and school A's principal
POLICY = {
    "static": "public", "main.home": "public", "main.language": "public", "auth.sign_in": "public",
    "administer.slips_css": "public", "administer.notice_css": "public",
    "respond.enter_code": "public", "respond.open_code": "public", "respond.open_link": "public",
    "respond.consent": "public", "respond.declined": "public", "respond.page": "public",
    "respond.review": "public", "respond.submit": "public", "respond.thanks": "public",
    "auth.sign_out": "signed_in", "auth.password": "signed_in",
    "administer.list_administrations": "signed_in", "improve.overview": "signed_in",
    "reports.response_rates": "signed_in", "improve.district_sro": "signed_in",
    "district.schools": "staff", "district.new_school": "staff", "district.edit_school": "district",
    "district.principals": "staff", "district.new_principal": "staff",
    "district.edit_principal": "district", "district.reset_password": "district",
    "administer.new_administration": "staff", "administer.detail": "district",
    "administer.create_codes": "district", "administer.delete": "district", "administer.extend": "district",
    "administer.create_open_link": "district", "administer.codes_csv_download": "district",
    "administer.codes_sheet_page": "district", "administer.confirm_delete": "district",
    "administer.record_opt_out": "district", "administer.parent_notice": "school_a",
    "administer.codes_sheet_page": "district", "administer.score_again": "district",
    "administer.status": "admin",
    "exports.index": "district", "exports.responses": "district", "exports.notes": "district", "exports.file_notes": "district",
    "exports.results": "district", "exports.import_upload": "district", "exports.undo": "district",
    "reports.comparison": "staff", "reports.comparison_csv": "staff",
    "improve.district_plans": "staff",
    "reports.school": "school_a", "reports.parents": "school_a", "reports.school_print": "school_a",
    "reports.topic": "school_a", "reports.family": "school_a", "reports.family_summary": "school_a",
    "improve.school": "school_a", "improve.plan": "school_a", "improve.school_sro": "school_a",
    "improve.add_to_plan": "school_a", "improve.edit_plan_item": "school_a",
    "improve.add_own_item": "school_a", "improve.carry_plan_item": "school_a",
    "research.index": "staff", "research.calibration": "district", "research.make_reference": "district",
    "research.rescore": "district", "research.thresholds": "district",
}

ALLOWED = {
    "public": set(ROLES),
    "signed_in": {"principal_a", "principal_b", "staff_d1", "staff_d2"},
    "staff": {"staff_d1", "staff_d2"},
    "district": {"staff_d1"},
    "admin": {"principal_a", "principal_b", "staff_d1"},
    "school_a": {"principal_a", "staff_d1"},
}


@pytest.fixture
def scene(world, administration, issue, scored_run):
    """District 1's administration with scored results, a plan item and an open link at school A."""
    scored_run("test_access.scene", {(world.school_a.id, "student"): 40, (world.school_b.id, "student"): 40}, seed=3)
    item = PlanItem(school_id=world.school_a.id, administration_id=administration.id, kind="recommendation",
                    ref="least_favorable:student:discipline", title="Discipline", topics=["discipline"],
                    respondent_group="student")
    link = OpenLink(token="open-link-token-a", administration_id=administration.id, school_id=world.school_a.id,
                    respondent_group="parent")
    reference = db.session.scalars(db.select(Calibration).where(Calibration.respondent_group == "student")).one()
    calibration = Calibration(  # as if made from district 1's answers (too few here to calibrate)
        respondent_group="student", instrument_version=reference.instrument_version, label="Spring calibration",
        source="administration", provisional=False, administration_id=administration.id, anchored_to_id=reference.id,
        thresholds=reference.thresholds, transforms=reference.transforms, statistics={})
    record = ImportRecord(administration_id=administration.id, respondent_group="student", sha256="0" * 64,
                          n_rows=0, response_ids=[])
    db.session.add_all([item, link, calibration, record])
    db.session.commit()
    world.administration, world.plan_item = administration, item
    world.calibration, world.import_record = calibration, record
    world.code = issue(administration, world.school_a, "student", 1)[0]
    return world


def url_for_rule(rule, scene):
    values = {"school_id": scene.school_a.id, "administration_id": scene.administration.id,
              "user_id": scene.principal_a.id, "item_id": scene.plan_item.id, "topic": "relationships",
              "group": "student", "tier": "restricted", "fmt": "csv", "code": scene.code, "token": "open-link-token-a", "number": "1",
              "filename": "climate.css", "calibration_id": scene.calibration.id,
              "import_id": scene.import_record.id}
    url = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: str(values[m.group(1)]), rule.rule)
    if rule.endpoint in ("administer.codes_csv_download", "administer.codes_sheet_page"):
        url += f"?school={scene.school_a.id}&group=student"
    return url


def sign_in(client, auth, scene, role):
    emails = {"principal_a": "principal.a@d1.example", "principal_b": "principal.b@d1.example",
              "staff_d1": "staff1@d1.example", "staff_d2": "staff2@d2.example"}
    if role in emails:
        assert auth.sign_in(emails[role]).status_code == 302
    elif role == "respondent":
        client.get(f"/s/{scene.code}")  # a student holding a code, not signed in


def test_every_route_has_an_access_class(app):
    unclassified = sorted({r.endpoint for r in app.url_map.iter_rules()} - set(POLICY))
    assert not unclassified, f"routes without an access decision: {unclassified}"


@pytest.mark.parametrize("role", ROLES)
def test_who_gets_what(app, client, auth, scene, role):
    sign_in(client, auth, scene, role)
    district1_names = ("School A", "School B", "District One")
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        access = POLICY[rule.endpoint]
        if access == "public" or rule.endpoint == "auth.sign_out":
            continue
        url = url_for_rule(rule, scene)
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method, data={})
        status = response.status_code
        where = f"{role} {method} {url} -> {status}"
        assert status != 500, where
        body = response.get_data(as_text=True)
        if role in ("anonymous", "respondent"):
            assert status == 302 and "/auth/sign-in" in response.headers["Location"], where
        elif role in ALLOWED[access]:
            if status == 404:  # allowed, but nothing to show yet: the page must say so
                assert "no scored results" in body, where
            else:
                assert status not in (401, 403), where
        else:
            assert status in (403, 404), where
        if role == "staff_d2" or (role in ("principal_a", "principal_b") and status in (403, 404)):
            # nothing of district 1 reaches another district, and a refusal names nothing
            assert not any(name in body for name in district1_names if
                           not (role != "staff_d2" and name == "District One")), where
        if role == "principal_b":
            assert ">School A<" not in body and "School A " not in body, where


def test_principal_pages_show_only_their_own_school(client, auth, scene):
    sign_in(client, auth, scene, "principal_b")
    for url in ("/", f"/administrations/{scene.administration.id}/status", "/improve/",
                f"/reports/response-rates?administration={scene.administration.id}", "/administrations"):
        body = client.get(url).get_data(as_text=True)
        assert "School A" not in body, url
        if url != "/administrations":  # the list names administrations, not schools
            assert "School B" in body, url
