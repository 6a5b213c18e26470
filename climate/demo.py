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
    return lines
