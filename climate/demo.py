"""A demo district a newcomer can explore: schools, accounts and (as they land) surveys and results.

Every step looks before it writes, so running the demo again duplicates nothing."""
import secrets
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from .extensions import db
from .models import District, School, User

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


def _read_passwords() -> dict[str, str]:
    path = _accounts_file()
    if not path.exists():
        return {}
    pairs = (line.split(" ", 1) for line in path.read_text().splitlines() if " " in line)
    return {email: password for email, password in pairs}


def _write_passwords(passwords: dict[str, str]) -> None:
    path = _accounts_file()
    path.write_text("".join(f"{e} {p}\n" for e, p in passwords.items()))
    path.chmod(0o600)


def seed_demo(echo=print) -> list[str]:
    """Seed everything the demo shows; returns the lines to print for the newcomer."""
    echo("Seeding the demo district ...")
    district, passwords = seed_district()
    lines = [f"Demo district: {district.name} ({len(district.schools)} schools)",
             "Sign in at http://127.0.0.1:5000/auth/sign-in with:"]
    for email, role in ((STAFF_EMAIL, "district staff"), (PRINCIPAL_EMAIL, "principal of Cedar Middle")):
        lines.append(f"  {role:28} {email}  password: {passwords.get(email, '(changed by you)')}")
    echo("Seeding the demo administrations (simulated respondents) ...")
    lines += seed_administrations()
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
BASE_URL = "http://127.0.0.1:5000"


def seed_administrations() -> list[str]:
    """Two closed administrations filled with simulated respondents, and an open one with 30 student
    codes for Cedar Middle and a parent open link. Looks up by name first, so re-running adds nothing.
    Returns the lines to print."""
    import datetime as dt

    from surveys.domain import RESPONDENT_GROUPS

    from .administer import get_or_create_open_link, open_link_url, survey_url, unused_codes
    from .administrations import create_administration, to_local
    from .codes import issue_codes
    from .models import Administration, utcnow
    from .simulate import simulate_administration

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
            lines.append(f"Administration {name!r}: {result['respondents']:,} simulated respondents.")
        else:
            lines.append(f"Administration {name!r} is already there.")

    admin = existing(OPEN_ADMINISTRATION)
    if admin is None:
        now_local = to_local(utcnow(), district.timezone).replace(minute=0, second=0, microsecond=0)
        admin = create_administration(district, OPEN_ADMINISTRATION, now_local - dt.timedelta(days=1),
                                      now_local + dt.timedelta(days=60), schools, RESPONDENT_GROUPS, sro_module=True)
        db.session.flush()
        cedar = next(s for s in schools if s.name == "Cedar Middle")
        issue_codes(admin.id, cedar.id, "student", DEMO_CODES)
        get_or_create_open_link(admin, cedar.id, "parent")
        db.session.commit()
    cedar = next(s for s in admin.schools if s.name == "Cedar Middle")
    codes = unused_codes(admin, cedar.id, "student")
    link, _ = get_or_create_open_link(admin, cedar.id, "parent")
    db.session.commit()
    lines.append(f"Administration {OPEN_ADMINISTRATION!r} is open; Cedar Middle has {len(codes)} unused student codes.")
    if codes:
        lines.append(f"Try the survey: {survey_url(BASE_URL, codes[0])}")
        for start in range(1, len(codes), 6):
            lines.append("  more codes: " + "  ".join(codes[start:start + 6]))
    lines.append(f"Parent open link for Cedar Middle: {open_link_url(BASE_URL, link.token)}")
    return lines
