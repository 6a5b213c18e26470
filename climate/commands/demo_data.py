"""The data `climate demo` seeds: a district a newcomer can explore, with schools, accounts, administrations
filled with simulated respondents, their results, and improvement work.

Every step looks before it writes, so running the demo again duplicates nothing."""
import secrets
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ..administer.codes import public_base_url
from ..extensions import db
from ..models import District, School, User

DISTRICT = "Riverbend Unified School District (demo)"
STAFF_EMAIL = "district@riverbend.example"
PRINCIPAL_EMAIL = "principal@riverbend.example"

# name, level, grades, enrolment (students 5-12, instructional, noninstructional, parent households)
SCHOOLS = [
    ("Alder Elementary", "elementary", (0, 5), (70, 24, 12, 60)),
    ("Birch Elementary", "elementary", (0, 5), (85, 28, 14, 75)),
    ("Cedar Middle", "middle", (6, 8), (420, 36, 18, 380)),
    ("Dogwood Middle", "middle", (6, 8), (380, 34, 16, 350)),
    ("Elm High", "high", (9, 12), (620, 52, 24, 560)),
    ("Fir High", "high", (9, 12), (540, 46, 22, 480)),
]


def _accounts_file() -> Path:
    return Path(current_app.instance_path) / "demo-accounts.txt"


def seed_district() -> tuple[District, dict[str, str]]:
    """The demo district, its schools and two accounts; returns the accounts' passwords."""
    district = db.session.scalar(select(District).where(District.name == DISTRICT))
    if district is None:
        district = District(name=DISTRICT, timezone="America/Chicago")
        db.session.add(district)
        db.session.flush()
    existing = {s.name for s in district.schools}
    for name, level, (low, high), (stu, ins, non, par) in SCHOOLS:
        if name not in existing:
            db.session.add(School(district_id=district.id, name=name, level=level, grade_low=low, grade_high=high,
                                  enrollment_student=stu, enrollment_instructional_staff=ins,
                                  enrollment_noninstructional_staff=non, enrollment_parent=par))
    db.session.flush()
    db.session.expire(district, ["schools"])  # the list was loaded before the new schools existed
    passwords = _read_passwords()
    for email, role in ((STAFF_EMAIL, "district_staff"), (PRINCIPAL_EMAIL, "principal")):
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(email=email, role=role, district_id=district.id)
            passwords[email] = secrets.token_urlsafe(9)
            user.set_password(passwords[email])
            db.session.add(user)
            if role == "principal":
                user.schools = [s for s in district.schools if s.name == "Cedar Middle"]
    db.session.commit()
    _write_passwords(passwords)
    return district, passwords


ROLE_LABELS = {STAFF_EMAIL: "district staff", PRINCIPAL_EMAIL: "principal of Cedar Middle"}


def _read_passwords() -> dict[str, str]:
    """email -> password from the accounts file (lines "email password role ...", # comments)."""
    path = _accounts_file()
    if not path.exists():
        return {}
    rows = (line.split() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#"))
    return {row[0]: row[1] for row in rows if len(row) >= 2}


def _write_passwords(passwords: dict[str, str]) -> None:
    path = _accounts_file()
    lines = ["# Demo accounts: email, password, role. Sign in at http://127.0.0.1:5000/auth/sign-in\n"]
    lines += [f"{e} {p}  {ROLE_LABELS.get(e, '')}\n" for e, p in passwords.items()]
    path.write_text("".join(lines))
    path.chmod(0o600)


def seed_demo(echo=print) -> list[str]:
    """Seed everything the demo shows; returns the lines to print for the newcomer."""
    echo("Seeding the demo district ...")
    district, passwords = seed_district()
    echo("Seeding the demo administrations (simulated respondents) ...")
    lines = seed_administrations()
    echo("Scoring the closed demo administrations ...")
    lines += seed_scores()
    echo("Seeding the demo improvement work (SECURe checklist, action plan) ...")
    lines += seed_improvement()
    lines += ["", f"Demo district: {district.name} ({len(district.schools)} schools)",
              f"Sign in at {public_base_url()}/auth/sign-in with:"]
    for email, role in ROLE_LABELS.items():
        lines.append(f"  {role:28} {email}  password: {passwords.get(email, '(changed by you)')}")
    return lines


def seed_scores() -> list[str]:
    """Score the demo district's closed administrations that have no results yet."""
    from ..models import Administration
    from ..results import current_run
    from ..scoring import process_closed

    from sqlalchemy import func

    from ..models import Response

    lines = []
    for admin_id in process_closed(trigger="demo"):
        admin = db.session.get(Administration, admin_id)
        submitted = dict(db.session.execute(
            select(Response.respondent_group, func.count()).where(
                Response.administration_id == admin_id, Response.status == "submitted")
            .group_by(Response.respondent_group)).all())
        parents = submitted.get("parent", 0)
        lines.append(f"Scored {admin.name!r}: {current_run(admin_id).n_scored:,} students and staff with scale "
                     f"scores. The {parents:,} parents' surveys are reported question by question: parents get "
                     f"no scale scores. Surveys left unfinished are not scored.")
    return lines


# name, opens, closes (local dates), seed for the year's changes (None = the base year)
CLOSED_ADMINISTRATIONS = [
    ("Spring 2025", (2025, 3, 3), (2025, 3, 28), None),
    ("Spring 2026", (2026, 3, 2), (2026, 3, 27), 2026),
]
OPEN_ADMINISTRATION = "Fall 2026 (open now)"
DEMO_SEED = 20250303       # fixes each school's profile (same in both years)
RESPONSE_SHARE = 0.6       # simulated respondents per school and group, as a share of enrollment
DEMO_CODES = 30
DEMO_OPT_OUTS = 8          # Cedar Middle students opted out by their parents in the open administration


def seed_administrations() -> list[str]:
    """Two closed administrations filled with simulated respondents, and an open one with 30 student
    codes for Cedar Middle and a parent open link. Looks up by name first, so re-running adds nothing.
    Returns the lines to print."""
    import datetime as dt

    from surveys.domain import RESPONDENT_GROUPS

    from ..administer.codes import get_or_create_open_link, open_link_url, survey_url, unused_codes
    from ..administer.notice import record_opt_outs
    from ..administer.service import create_administration, to_local
    from ..codes import issue_codes
    from ..models import Administration, utcnow
    from ..simulate import simulate_administration

    district = db.session.scalar(select(District).where(District.name == DISTRICT))
    schools = list(district.schools)

    def existing(name):
        return db.session.scalar(select(Administration).where(
            Administration.district_id == district.id, Administration.name == name))

    lines = []
    for name, opens, closes, change_seed in CLOSED_ADMINISTRATIONS:
        admin = existing(name)
        if admin is None:
            admin = create_administration(district, name, dt.datetime(*opens, 7, 0), dt.datetime(*closes, 17, 0),
                                          schools, RESPONDENT_GROUPS, sro_module=True)
            db.session.commit()
            counts = {(s.id, g): round(RESPONSE_SHARE * s.enrollment(g)) for s in schools for g in RESPONDENT_GROUPS}
            result = simulate_administration(admin, counts, seed=DEMO_SEED + opens[0], effects_seed=DEMO_SEED,
                                             change_seed=change_seed)
            seed_sro_answers(admin, next(s for s in schools if s.name == "Cedar Middle"))
            lines.append(f"Administration {name!r}: {result['respondents']:,} simulated respondents (students, "
                         f"staff and parents; a few leave their survey unfinished).")
        else:
            lines.append(f"Administration {name!r} is already there.")

    admin = existing(OPEN_ADMINISTRATION)
    if admin is None:
        now_local = to_local(utcnow(), district.timezone).replace(minute=0, second=0, microsecond=0)
        admin = create_administration(district, OPEN_ADMINISTRATION, now_local - dt.timedelta(days=1),
                                      now_local + dt.timedelta(days=60), schools, RESPONDENT_GROUPS, sro_module=True)
        db.session.flush()
        cedar = next(s for s in schools if s.name == "Cedar Middle")
        record_opt_outs(admin, cedar, "student", DEMO_OPT_OUTS)
        issue_codes(admin.id, cedar.id, "student", DEMO_CODES)
        get_or_create_open_link(admin, cedar.id, "parent")
        db.session.commit()
    cedar = next(s for s in admin.schools if s.name == "Cedar Middle")
    codes = unused_codes(admin, cedar.id, "student")
    link, _ = get_or_create_open_link(admin, cedar.id, "parent")
    db.session.commit()
    lines.append(f"Administration {OPEN_ADMINISTRATION!r} is open; Cedar Middle has {len(codes)} unused student codes "
                 f"and {DEMO_OPT_OUTS} students opted out by their parents (print the parent notice from the "
                 f"administration's page).")
    if codes:
        lines.append(f"Try the survey: {survey_url(public_base_url(), codes[0])}")
        for start in range(1, len(codes), 6):
            lines.append("  more codes: " + "  ".join(codes[start:start + 6]))
    lines.append(f"Parent open link for Cedar Middle: {open_link_url(public_base_url(), link.token)}")
    return lines


# --- SRO module: at Cedar Middle, students and staff see officers drawn into discipline ----------

# item -> share of the school's answers turned into "Agree" / "Strongly agree" (1 in 3 strongly)
DEMO_SRO_AGREE = {"S_SRO_DISC": 0.25, "T_SRO_DISC": 0.3, "N_SRO_DISC": 0.3}
DEMO_SRO_DISAGREE = {"S_SRO_FAIR": 0.3, "S_SRO_RESPECT": 0.25}  # turned into "Disagree"


def seed_sro_answers(administration, school) -> None:
    """Move some of a school's simulated SRO-module answers so that its SRO results stand out
    from the district's (the demo's SRO section and SECURe evidence then have something to say).
    Deterministic; run once, right after the administration is simulated."""
    import numpy as np
    from sqlalchemy import update

    from ..models import Answer, Response

    rng = np.random.default_rng([DEMO_SEED, administration.id])
    for item_id, share, values in ([(i, s, (1, 2, 2)) for i, s in DEMO_SRO_AGREE.items()]
                                   + [(i, s, (3,)) for i, s in DEMO_SRO_DISAGREE.items()]):
        ids = db.session.scalars(select(Answer.response_id).join(Response, Response.id == Answer.response_id).where(
            Response.administration_id == administration.id, Response.school_id == school.id,
            Answer.item_id == item_id).order_by(Answer.response_id)).all()
        chosen = np.flatnonzero(rng.random(len(ids)) < share)
        new = rng.choice(values, size=chosen.size)
        for value in set(new.tolist()):
            db.session.execute(update(Answer).where(Answer.item_id == item_id,
                                                    Answer.response_id.in_([ids[j] for j in chosen[new == value]]))
                               .values(value=int(value)), execution_options={"synchronize_session": False})
    db.session.commit()


# --- improvement: SECURe self-assessment and an action plan for Cedar Middle (climate/improve.py) ---

DEMO_SRO_RATINGS = {
    "SEC-1-S1": ("met", "MOU signed with the county sheriff in August 2023."),
    "SEC-1-S2": ("not_met", "Families and students were not consulted on the draft."),
    "SEC-1-S3": ("met", ""),
    "SEC-1-S4": ("partly", "The police contact is named; the school contact is not."),
    "SEC-2-S1": ("met", ""),
    "SEC-2-S2": ("not_met", "Officers are still called for dress-code and phone incidents."),
    "SEC-2-S3": ("partly", ""),
    "SEC-3-S1": ("met", ""),
    "SEC-4-S1": ("not_met", "No shared de-escalation training yet this year."),
    "SEC-4-S2": ("partly", ""),
    "SEC-5-S1": ("not_met", ""),
}
DEMO_PLAN = [  # (status, owner, due date, notes) for the top three topic recommendations of Spring 2025
    ("in_progress", "Assistant principal", (2025, 12, 19), "Team formed; first listening session held in May."),
    ("done", "Climate team", (2025, 9, 30), "Advisory periods started in the fall term."),
    ("in_progress", "School counselor", (2026, 1, 30), "Grade-level circles piloted in grade 7."),
]


DEMO_OWN_ITEM = ("Greet every student at the door each morning", "relationships", "student", "Principal",
                 (2025, 10, 31), "The school's own idea, added beside the recommended items.")


def seed_improvement() -> list[str]:
    """Cedar Middle's SECURe self-assessment (some criteria unmet) and an action plan of three items
    added from the Spring 2025 recommendations, so that the Spring 2026 results show each item's change.
    Runs after seed_scores, so the closed administrations have results. Re-running adds nothing."""
    import datetime as dt

    from ..improve.recommendations import recommendation_title, school_recommendations, school_results
    from ..models import Administration, PlanItem, SroAssessment, SroRating
    from ..results import current_run

    district = db.session.scalar(select(District).where(District.name == DISTRICT))
    cedar = next((s for s in district.schools if s.name == "Cedar Middle"), None) if district else None
    if cedar is None:
        return ["No Cedar Middle in the demo district: improvement demo skipped."]
    lines = []
    admins = {}
    for name, _opens, _closes, _change in CLOSED_ADMINISTRATIONS:
        admin = db.session.scalar(select(Administration).where(
            Administration.district_id == district.id, Administration.name == name))
        if admin is None:
            return lines + [f"No administration {name!r}: improvement demo skipped."]
        admins[name] = admin

    assessment = db.session.scalar(select(SroAssessment).where(
        SroAssessment.district_id == district.id, SroAssessment.school_id == cedar.id))
    if assessment is None:
        assessment = SroAssessment(district_id=district.id, school_id=cedar.id, has_sro=True,
                                   mou_date=dt.date(2023, 8, 14))
        assessment.ratings = [SroRating(criterion_id=c, rating=r, notes=n) for c, (r, n) in DEMO_SRO_RATINGS.items()]
        db.session.add(assessment)
        db.session.commit()
        lines.append("Cedar Middle: SECURe self-assessment with unmet criteria added.")

    base = admins["Spring 2025"]
    if current_run(base.id) is not None:
        recs = [r for r in school_recommendations(school_results(cedar, base)) if r.topic]
        added = 0
        for rec, (status, owner, due, notes) in zip(recs, DEMO_PLAN):
            exists = db.session.scalar(select(PlanItem.id).where(
                PlanItem.school_id == cedar.id, PlanItem.administration_id == base.id, PlanItem.ref == rec.key))
            if exists is None:
                db.session.add(PlanItem(school_id=cedar.id, administration_id=base.id, kind="recommendation",
                                        ref=rec.key, title=recommendation_title(rec)[:300], topics=[rec.topic],
                                        respondent_group=rec.group, owner=owner, due_on=dt.date(*due),
                                        status=status, notes=notes))
                added += 1
        title, topic, group, owner, due, notes = DEMO_OWN_ITEM
        if db.session.scalar(select(PlanItem.id).where(PlanItem.school_id == cedar.id, PlanItem.kind == "own",
                                                       PlanItem.title == title)) is None:
            db.session.add(PlanItem(school_id=cedar.id, administration_id=base.id, kind="own", ref="own:demo-greeting",
                                    title=title, topics=[topic], respondent_group=group, owner=owner,
                                    due_on=dt.date(*due), status="done", notes=notes))
            added += 1
        db.session.commit()
        if added:
            lines.append(f"Cedar Middle: action plan with {added} items from Spring 2025 (one of the school's own); "
                         f"Spring 2026 shows the change.")
    lines.append(f"Improvement pages: {public_base_url()}/improve/")
    return lines
