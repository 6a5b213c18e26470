"""District staff administer surveys: create administrations, hand out access codes and open
links, extend the close date, and watch the live response status (principals: their schools).

The same tasks on the command line: `climate administration create|list`, `climate codes`,
`climate status` and `climate simulate` (registered at the top level of the `climate` CLI)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import secrets
import time
from pathlib import Path

import click
from flask import (Blueprint, Response as FlaskResponse, abort, current_app, flash, redirect, render_template,
                   request, url_for)
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import case, func, select
from wtforms import (BooleanField, DateTimeLocalField, IntegerField, RadioField, SelectField,
                     SelectMultipleField, StringField, SubmitField, TextAreaField)
from wtforms.validators import StopValidation, InputRequired, Length, NumberRange, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from surveys.domain import GROUP_LABELS, RESPONDENT_GROUPS
from surveys.instruments import InstrumentError, validate_custom_items

from .access import administration_or_404, district_staff_required
from .administrations import (DEFAULT_CONSENT, AdministrationError, create_administration, extend_close,
                              has_answers, to_local)
from .codes import issue_codes
from .extensions import db
from .models import AccessCode, Administration, District, OpenLink, Response, School

bp = Blueprint("administer", __name__, url_prefix="/administrations", cli_group=None)

MAX_CODES = 5000
DEFAULT_BASE_URL = "http://127.0.0.1:5000"
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]
COUNT_MESSAGE = f"Ask for between 1 and {MAX_CODES:,} codes at a time."


def group_label(group: str) -> str:
    return GROUP_LABELS[group]["en"]


# --- custom items: the textarea format -------------------------------------------------------

CUSTOM_FORMAT_HELP = ("One question per block, blocks separated by an empty line. First line: the question in "
                      "English | the question in Spanish. Each following line: one answer option, "
                      "English | Spanish (2 to 10 options). At most 10 questions per group.")


def parse_custom_items(text: str) -> list[dict]:
    """The textarea format -> [{"text": {"en", "es"}, "options": [{"en", "es"}, ...]}]; ValueError says why."""
    items, block = [], []
    lines = (text or "").replace("\r\n", "\n").split("\n") + [""]
    for number, line in enumerate(lines, start=1):
        if line.strip():
            block.append((number, line))
            continue
        if not block:
            continue
        pairs = []
        for n, raw in block:
            if raw.count("|") != 1:
                raise ValueError(f"Line {n}: write the English and the Spanish text separated by one |.")
            en, es = (part.strip() for part in raw.split("|"))
            if not en or not es:
                raise ValueError(f"Line {n}: both the English and the Spanish text are needed.")
            pairs.append({"en": en, "es": es})
        if len(pairs) < 3:
            raise ValueError(f"Line {block[0][0]}: a question needs at least 2 answer options on the lines below it.")
        items.append({"text": pairs[0], "options": pairs[1:]})
        block = []
    return items


def format_custom_items(items: list[dict]) -> str:
    return "\n\n".join("\n".join([f"{i['text']['en']} | {i['text']['es']}"] +
                                 [f"{o['en']} | {o['es']}" for o in i["options"]]) for i in items)


# --- forms -----------------------------------------------------------------------------------

class LocalDateTimeField(DateTimeLocalField):
    """A datetime-local input with plain-language messages."""

    def __init__(self, label, missing_message, **kwargs):
        super().__init__(label, format=DATETIME_FORMATS, **kwargs)
        self.missing_message = missing_message

    def process_formdata(self, valuelist):
        if valuelist and not " ".join(valuelist).strip():
            self.data = None
            raise ValueError(self.missing_message)
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter a date and time like 2026-03-02 08:00.") from None

    def pre_validate(self, form):
        # A form posted without the field at all must not pass as "no date".
        if self.data is None and not self.process_errors:
            raise StopValidation(self.missing_message)


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AdministrationForm(FlaskForm):
    name = StringField("Name", validators=[Length(max=200)], description="For example: Spring 2026")
    opens = LocalDateTimeField("Opens", "Enter when the survey opens.")
    closes = LocalDateTimeField("Closes", "Enter when the survey closes.")
    schools = CheckboxesField("Schools", coerce=int, invalid_choice_message="Choose schools of your district only.")
    groups = CheckboxesField("Respondent groups", choices=[(g, group_label(g)) for g in RESPONDENT_GROUPS],
                             invalid_choice_message="Choose respondent groups from the list.")
    sro_module = BooleanField("Include the school resource officer (SRO) module "
                              "(students and staff; parents never see it)")
    custom_student = TextAreaField("Custom items for students")
    custom_instructional_staff = TextAreaField("Custom items for instructional staff")
    custom_noninstructional_staff = TextAreaField("Custom items for noninstructional staff")
    custom_parent = TextAreaField("Custom items for parents and guardians")
    consent_en = TextAreaField("Consent text (English)")
    consent_es = TextAreaField("Consent text (Spanish)")
    submit = SubmitField("Create administration")

    def __init__(self, *args, district: District, **kwargs):
        super().__init__(*args, **kwargs)
        self.district = district
        self.schools.choices = [(s.id, f"{s.name} ({s.grades_label})") for s in district.schools]
        self.parsed_custom: dict[str, list[dict]] = {}

    def custom_fields(self):
        return [(g, getattr(self, f"custom_{g}")) for g in RESPONDENT_GROUPS]

    def validate_name(self, field):
        name = (field.data or "").strip()
        if not name:
            raise ValidationError("Give the administration a name.")
        clash = db.session.scalar(select(Administration.id).where(
            Administration.district_id == self.district.id, func.lower(Administration.name) == name.lower()))
        if clash:
            raise ValidationError(f"Your district already has an administration named {name!r}.")

    def validate_closes(self, field):
        if field.data and self.opens.data and field.data <= self.opens.data:
            raise ValidationError("The close date must be after the open date.")

    def validate_schools(self, field):
        if not field.data:
            raise ValidationError("Choose at least one school.")

    def validate_groups(self, field):
        if not field.data:
            raise ValidationError("Choose at least one respondent group.")

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        for group, field in self.custom_fields():
            if not (field.data or "").strip():
                continue
            if group not in (self.groups.data or []):
                field.errors.append(f"You wrote custom items for {group_label(group).lower()} but did not "
                                    "choose that respondent group.")
                ok = False
                continue
            try:
                items = parse_custom_items(field.data)
                validate_custom_items(items)
            except (ValueError, InstrumentError) as exc:
                field.errors.append(" ".join(str(exc).split("\n")))
                ok = False
                continue
            self.parsed_custom[group] = items
        return ok


class ExtendForm(FlaskForm):
    closes = LocalDateTimeField("New close date and time", "Enter the new close date and time.")
    submit = SubmitField("Extend")


class CodesForm(FlaskForm):
    school = SelectField("School", coerce=int)
    group = SelectField("Respondent group")
    count = IntegerField("How many codes", default=30, validators=[
        InputRequired(message=COUNT_MESSAGE), NumberRange(min=1, max=MAX_CODES, message=COUNT_MESSAGE)])
    output = RadioField("Get them as", default="sheet",
                        choices=[("sheet", "Printable sheet of slips"), ("csv", "CSV file (code, link, school, group)")])
    submit = SubmitField("Create codes")

    def __init__(self, *args, administration: Administration, **kwargs):
        super().__init__(*args, **kwargs)
        self.school.choices = [(s.id, s.name) for s in administration.schools]
        self.group.choices = [(g.respondent_group, group_label(g.respondent_group)) for g in administration.groups]

    def process(self, formdata=None, *args, **kwargs):
        super().process(formdata, *args, **kwargs)
        # a non-number count must give the same one sentence as a count out of range
        self.count.process_errors = [COUNT_MESSAGE] if self.count.process_errors else []


class OpenLinkForm(FlaskForm):
    school = SelectField("School", coerce=int)
    group = SelectField("Respondent group")
    submit = SubmitField("Create open link")

    def __init__(self, *args, administration: Administration, **kwargs):
        super().__init__(*args, **kwargs)
        self.school.choices = [(s.id, s.name) for s in administration.schools]
        self.group.choices = [(g.respondent_group, group_label(g.respondent_group)) for g in administration.groups]


# --- shared logic (web and CLI) ----------------------------------------------------------------

def survey_url(base: str, code: str) -> str:
    return base.rstrip("/") + "/s/" + code


def open_link_url(base: str, token: str) -> str:
    return base.rstrip("/") + "/o/" + token


def codes_csv(codes: list[str], base: str, school: School, group: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["code", "link", "school", "group"])
    for code in codes:
        writer.writerow([code, survey_url(base, code), school.name, group])
    return out.getvalue()


def codes_sheet(codes: list[str], base: str, administration: Administration, school: School, group: str,
                standalone: bool = False) -> str:
    """The printable sheet of slips. standalone=True embeds the stylesheet (a file opened from disk)."""
    css = render_template("administer/slips.css") if standalone else None
    return render_template("administer/slips.html", codes=codes, base=base.rstrip("/"), administration=administration,
                           school=school, group=group, group_label=GROUP_LABELS[group], inline_css=css,
                           survey_url=survey_url)


def unused_codes(administration: Administration, school_id: int, group: str) -> list[str]:
    return list(db.session.scalars(select(AccessCode.code).where(
        AccessCode.administration_id == administration.id, AccessCode.school_id == school_id,
        AccessCode.respondent_group == group, AccessCode.source == "issued", AccessCode.status == "issued")
        .order_by(AccessCode.code)))


def unused_code_counts(administration: Administration) -> dict[tuple[int, str], int]:
    """(school id, group) -> how many handed-out codes nobody has used yet (one GROUP BY)."""
    rows = db.session.execute(
        select(AccessCode.school_id, AccessCode.respondent_group, func.count())
        .where(AccessCode.administration_id == administration.id, AccessCode.source == "issued",
               AccessCode.status == "issued")
        .group_by(AccessCode.school_id, AccessCode.respondent_group)).all()
    return {(school_id, group): n for school_id, group, n in rows}


def status_table(administration: Administration, school_ids: set[int] | None = None) -> tuple[list[dict], dict]:
    """Per school and group: codes issued, started, submitted, opted out, response rate; and totals.

    Issued counts every code handed out (not the one-time codes made by open links); started counts
    responses begun and not submitted (in progress or incomplete).
    Two GROUP BY queries (access codes, responses); rates are submitted / enrollment(group)."""
    schools = [s for s in administration.schools if school_ids is None or s.id in school_ids]
    ids = [s.id for s in schools]
    code_counts = {(s, g): (issued, opted) for s, g, issued, opted in db.session.execute(
        select(AccessCode.school_id, AccessCode.respondent_group,
               func.sum(case((AccessCode.source != "open_link", 1), else_=0)),
               func.sum(case((AccessCode.status == "opted_out", 1), else_=0)))
        .where(AccessCode.administration_id == administration.id, AccessCode.school_id.in_(ids))
        .group_by(AccessCode.school_id, AccessCode.respondent_group))}
    response_counts: dict = {}
    for s, g, status, n in db.session.execute(
            select(Response.school_id, Response.respondent_group, Response.status, func.count())
            .where(Response.administration_id == administration.id, Response.school_id.in_(ids))
            .group_by(Response.school_id, Response.respondent_group, Response.status)):
        response_counts[(s, g, status)] = n
    rows = []
    totals = {"issued": 0, "started": 0, "submitted": 0, "opted_out": 0, "enrollment": 0}
    for school in schools:
        for g in sorted((ag.respondent_group for ag in administration.groups), key=RESPONDENT_GROUPS.index):
            issued, opted = code_counts.get((school.id, g), (0, 0))
            started = response_counts.get((school.id, g, "in_progress"), 0) + \
                response_counts.get((school.id, g, "incomplete"), 0)
            submitted = response_counts.get((school.id, g, "submitted"), 0)
            enrollment = school.enrollment(g)
            row = {"school": school, "group": g, "issued": int(issued or 0), "started": started,
                   "submitted": submitted, "opted_out": int(opted or 0), "enrollment": enrollment,
                   "rate": submitted / enrollment if enrollment else None}
            rows.append(row)
            for key in totals:
                totals[key] += row[key]
    totals["rate"] = totals["submitted"] / totals["enrollment"] if totals["enrollment"] else None
    return rows, totals


def format_rate(rate: float | None) -> str:
    return "—" if rate is None else f"{100 * rate:.0f}%"


def local(administration: Administration, when: dt.datetime) -> str:
    return to_local(when, administration.district.timezone).strftime("%Y-%m-%d %H:%M")


@bp.app_template_filter("rate")
def _rate_filter(rate):
    return format_rate(rate)


def _base_url() -> str:
    return request.host_url


# --- pages -------------------------------------------------------------------------------------

@bp.route("")
@login_required
def list_administrations():
    query = select(Administration).where(Administration.district_id == current_user.district_id) \
        .order_by(Administration.opens_at.desc())
    administrations = db.session.scalars(query).all()
    if not current_user.is_district_staff:
        mine = current_user.visible_school_ids()
        administrations = [a for a in administrations if mine & {s.id for s in a.schools}]
    return render_template("administer/list.html", administrations=administrations, local=local)


@bp.route("/new", methods=["GET", "POST"])
@district_staff_required
def new_administration():
    district = current_user.district
    form = AdministrationForm(district=district)
    if request.method == "GET":
        form.consent_en.data = DEFAULT_CONSENT["en"]
        form.consent_es.data = DEFAULT_CONSENT["es"]
        form.groups.data = ["student"]
    problem = None
    if form.validate_on_submit():
        schools = [s for s in district.schools if s.id in set(form.schools.data)]
        try:
            administration = create_administration(
                district, form.name.data, form.opens.data, form.closes.data, schools, form.groups.data,
                sro_module=form.sro_module.data, custom_items=form.parsed_custom,
                consent_text={"en": form.consent_en.data, "es": form.consent_es.data})
        except AdministrationError as exc:
            db.session.rollback()
            problem = str(exc)
        else:
            db.session.commit()
            flash(f"The administration {administration.name!r} was created.")
            return redirect(url_for("administer.detail", administration_id=administration.id))
    status = 400 if (form.errors or problem) else 200
    return render_template("administer/form.html", form=form, problem=problem, district=district,
                           format_help=CUSTOM_FORMAT_HELP), status


def _detail(administration: Administration, codes_form=None, extend_form=None, link_form=None, status=200):
    codes_form = codes_form or CodesForm(administration=administration, formdata=None)
    extend_form = extend_form or ExtendForm(formdata=None)
    link_form = link_form or OpenLinkForm(administration=administration, formdata=None)
    links = db.session.scalars(select(OpenLink).where(OpenLink.administration_id == administration.id)
                               .order_by(OpenLink.school_id, OpenLink.respondent_group)).all()
    rows, totals = status_table(administration)
    return render_template("administer/detail.html", administration=administration, local=local,
                           answered=has_answers(administration), codes_form=codes_form, extend_form=extend_form,
                           link_form=link_form, links=links, base=_base_url(), open_link_url=open_link_url,
                           totals=totals, group_label=group_label, format_custom_items=format_custom_items,
                           unused=unused_code_counts(administration),
                           max_codes=MAX_CODES), status


@bp.route("/<int:administration_id>")
@district_staff_required
def detail(administration_id):
    return _detail(administration_or_404(administration_id))


@bp.route("/<int:administration_id>/extend", methods=["POST"])
@district_staff_required
def extend(administration_id):
    administration = administration_or_404(administration_id)
    form = ExtendForm()
    if form.validate_on_submit():
        try:
            extend_close(administration, form.closes.data)
        except AdministrationError as exc:
            db.session.rollback()
            form.closes.errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"The administration now closes {local(administration, administration.closes_at)}.")
            return redirect(url_for("administer.detail", administration_id=administration.id))
    return _detail(administration, extend_form=form, status=400)


@bp.route("/<int:administration_id>/delete", methods=["POST"])
@district_staff_required
def delete(administration_id):
    administration = administration_or_404(administration_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    if has_answers(administration):
        flash("This administration has responses, so it cannot be deleted.")
        return redirect(url_for("administer.detail", administration_id=administration.id))
    name = administration.name
    db.session.delete(administration)
    db.session.commit()
    flash(f"The administration {name!r} was deleted.")
    return redirect(url_for("administer.list_administrations"))


def _school_of(administration: Administration, school_id) -> School:
    school = next((s for s in administration.schools if s.id == school_id), None)
    if school is None:
        abort(404)
    return school


def _group_of(administration: Administration, group) -> str:
    if administration.group(group) is None:
        abort(404)
    return group


@bp.route("/<int:administration_id>/codes", methods=["POST"])
@district_staff_required
def create_codes(administration_id):
    administration = administration_or_404(administration_id)
    form = CodesForm(administration=administration)
    if not form.validate_on_submit():
        return _detail(administration, codes_form=form, status=400)
    school = _school_of(administration, form.school.data)
    group = _group_of(administration, form.group.data)
    codes = [row.code for row in issue_codes(administration.id, school.id, group, form.count.data)]
    db.session.commit()
    if form.output.data == "csv":
        return _csv_download(codes, administration, school, group)
    return codes_sheet(codes, _base_url(), administration, school, group)


def _csv_download(codes, administration, school, group):
    name = f"codes-{administration.id}-{school.id}-{group}.csv"
    return FlaskResponse(codes_csv(codes, _base_url(), school, group), mimetype="text/csv",
                         headers={"Content-Disposition": f"attachment; filename={name}"})


def _unused_args(administration):
    school = _school_of(administration, request.args.get("school", type=int))
    group = _group_of(administration, request.args.get("group", ""))
    return school, group


@bp.route("/<int:administration_id>/codes.csv")
@district_staff_required
def codes_csv_download(administration_id):
    """All codes of a school and group not yet used, as CSV."""
    administration = administration_or_404(administration_id)
    school, group = _unused_args(administration)
    return _csv_download(unused_codes(administration, school.id, group), administration, school, group)


@bp.route("/<int:administration_id>/codes/sheet")
@district_staff_required
def codes_sheet_page(administration_id):
    """All codes of a school and group not yet used, as a printable sheet."""
    administration = administration_or_404(administration_id)
    school, group = _unused_args(administration)
    return codes_sheet(unused_codes(administration, school.id, group), _base_url(), administration, school, group)


@bp.route("/slips.css")
def slips_css():
    # served by the app so the strict Content-Security-Policy (no inline styles) allows it
    return FlaskResponse(render_template("administer/slips.css"), mimetype="text/css")


def get_or_create_open_link(administration: Administration, school_id: int, group: str) -> tuple[OpenLink, bool]:
    link = db.session.scalar(select(OpenLink).where(
        OpenLink.administration_id == administration.id, OpenLink.school_id == school_id,
        OpenLink.respondent_group == group))
    if link is not None:
        return link, False
    link = OpenLink(token=secrets.token_urlsafe(16), administration_id=administration.id, school_id=school_id,
                    respondent_group=group)
    db.session.add(link)
    db.session.flush()
    return link, True


@bp.route("/<int:administration_id>/open-links", methods=["POST"])
@district_staff_required
def create_open_link(administration_id):
    administration = administration_or_404(administration_id)
    form = OpenLinkForm(administration=administration)
    if not form.validate_on_submit():
        return _detail(administration, link_form=form, status=400)
    school = _school_of(administration, form.school.data)
    group = _group_of(administration, form.group.data)
    link, created = get_or_create_open_link(administration, school.id, group)
    db.session.commit()
    url = open_link_url(_base_url(), link.token)
    if created:
        flash(f"Open link for {group_label(group).lower()} of {school.name}: {url}")
    else:
        flash(f"{school.name} already has an open link for {group_label(group).lower()}: {url}")
    return redirect(url_for("administer.detail", administration_id=administration.id))


@bp.route("/<int:administration_id>/status")
@login_required
def status(administration_id):
    administration = administration_or_404(administration_id)
    visible = None if current_user.is_district_staff else current_user.visible_school_ids()
    if visible is not None and not visible & {s.id for s in administration.schools}:
        abort(403)
    rows, totals = status_table(administration, visible)
    return render_template("administer/status.html", administration=administration, rows=rows, totals=totals,
                           group_label=group_label, local=local)


# --- command line --------------------------------------------------------------------------------

def _parse_when(text: str, what: str, end_of_day: bool = False) -> dt.datetime:
    text = (text or "").strip()
    for fmt in DATETIME_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            pass
    try:
        day = dt.datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise click.ClickException(f"The {what} date {text!r} is not a date and time like \"2026-03-02 08:00\".") from None
    return day.replace(hour=23, minute=59) if end_of_day else day


def _district(name: str | None) -> District:
    if name:
        district = db.session.scalar(select(District).where(func.lower(District.name) == name.strip().lower()))
        if district is None:
            raise click.ClickException(f"There is no district named {name!r}.")
        return district
    districts = db.session.scalars(select(District)).all()
    if len(districts) != 1:
        raise click.ClickException("There is no district yet; run `climate demo` or add one first." if not districts
                                   else "There are several districts; say which one with --district.")
    return districts[0]


def _school(district: District, text: str) -> School:
    for school in district.schools:
        if str(school.id) == text.strip() or school.name.lower() == text.strip().lower():
            return school
    raise click.ClickException(f"{district.name} has no school named {text!r}.")


def _group(text: str) -> str:
    key = text.strip().lower().replace("-", "_").replace(" ", "_")
    key = {"students": "student", "parents": "parent"}.get(key, key)
    if key not in RESPONDENT_GROUPS:
        raise click.ClickException(f"{text!r} is not a respondent group; use one of {', '.join(RESPONDENT_GROUPS)}.")
    return key


def find_administration(text: str, district: str | None = None) -> Administration:
    query = select(Administration)
    if district:
        query = query.where(Administration.district_id == _district(district).id)
    if text.strip().isdigit():
        found = db.session.scalars(query.where(Administration.id == int(text))).all()
    else:
        found = db.session.scalars(query.where(func.lower(Administration.name) == text.strip().lower())).all()
    if not found:
        raise click.ClickException(f"There is no administration {text!r}; `climate administration list` shows them.")
    if len(found) > 1:
        raise click.ClickException(f"Several districts have an administration named {text!r}; give its id instead.")
    return found[0]


def _school_in(administration: Administration, text: str) -> School:
    school = _school(administration.district, text)
    if school.id not in {s.id for s in administration.schools}:
        raise click.ClickException(f"{school.name} is not part of {administration.name!r}.")
    return school


def _read_custom_items(path: str | None, groups: list[str]) -> dict:
    if not path:
        return {}
    import yaml
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise click.ClickException(f"Cannot read the custom items file {path}: {exc.strerror}.") from None
    except yaml.YAMLError as exc:
        raise click.ClickException(f"The custom items file {path} is not valid YAML ({str(exc).splitlines()[0]}).") from None
    if not isinstance(data, dict):
        raise click.ClickException(f"The custom items file {path} must map respondent groups to lists of items.")
    out = {}
    for key, items in data.items():
        group = _group(str(key))
        if group not in groups:
            raise click.ClickException(f"The custom items file has items for {group}, which is not one of the chosen groups.")
        out[group] = items
    return out


@bp.cli.group("administration")
def administration_cli():
    """Create and list administrations (data collections)."""


@administration_cli.command("create")
@click.option("--name", required=True, help="The administration's name, unique in the district.")
@click.option("--opens", required=True, help='Opening date and time in the district\'s time zone, "2026-03-02 08:00".')
@click.option("--closes", required=True, help="Closing date and time; a date alone means 23:59 that day.")
@click.option("--school", "schools", multiple=True, help="A school by name or id (repeat for more).")
@click.option("--group", "groups", multiple=True, help="student, instructional_staff, noninstructional_staff or parent (repeat).")
@click.option("--sro/--no-sro", default=False, help="Include the school resource officer module.")
@click.option("--custom-items", type=click.Path(dir_okay=False), help="YAML: group -> list of {text: {en, es}, options: [{en, es}, ...]}.")
@click.option("--consent-en", default=None, help="Consent text in English (default: the standard text).")
@click.option("--consent-es", default=None, help="Consent text in Spanish (default: the standard text).")
@click.option("--district", default=None, help="The district's name (default: the only district).")
def create_command(name, opens, closes, schools, groups, sro, custom_items, consent_en, consent_es, district):
    """Create an administration. Nothing is stored when any input is wrong."""
    d = _district(district)
    opens_at = _parse_when(opens, "open")
    closes_at = _parse_when(closes, "close", end_of_day=True)
    if not schools:
        raise click.ClickException("Choose at least one school with --school.")
    if not groups:
        raise click.ClickException("Choose at least one respondent group with --group.")
    chosen_schools = [_school(d, s) for s in schools]
    chosen_groups = list(dict.fromkeys(_group(g) for g in groups))
    custom = _read_custom_items(custom_items, chosen_groups)
    try:
        administration = create_administration(d, name, opens_at, closes_at, chosen_schools, chosen_groups,
                                               sro_module=sro, custom_items=custom,
                                               consent_text={"en": consent_en or "", "es": consent_es or ""})
    except AdministrationError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Created administration {administration.name!r} (id {administration.id}) for "
               f"{len(administration.schools)} school(s) and {', '.join(chosen_groups)}; open "
               f"{local(administration, administration.opens_at)} to {local(administration, administration.closes_at)} "
               f"({d.timezone}).")


@administration_cli.command("list")
def list_command():
    """List administrations with their state and dates."""
    for a in db.session.scalars(select(Administration).order_by(Administration.district_id, Administration.opens_at)):
        click.echo(f"{a.id:>4}  {a.name:<32} {a.state():<9} {local(a, a.opens_at)} – {local(a, a.closes_at)}  "
                   f"{len(a.schools)} school(s)")


@bp.cli.command("codes")
@click.argument("administration")
@click.option("--school", required=True, help="School name or id.")
@click.option("--group", required=True, help="Respondent group.")
@click.option("--count", required=True, type=int, help=f"How many codes (1-{MAX_CODES}).")
@click.option("--format", "fmt", type=click.Choice(["csv", "html"]), default="csv", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False), help="Write to this file instead of standard output.")
@click.option("--base-url", default=DEFAULT_BASE_URL, show_default=True, help="Address of the survey site.")
@click.option("--district", default=None, help="The district, when administration names clash.")
def codes_command(administration, school, group, count, fmt, output, base_url, district):
    """Issue COUNT new random access codes for a school and respondent group: CSV or a printable sheet."""
    admin = find_administration(administration, district)
    the_school = _school_in(admin, school)
    the_group = _group(group)
    if admin.group(the_group) is None:
        raise click.ClickException(f"{admin.name!r} does not survey {the_group}.")
    if not 1 <= count <= MAX_CODES:
        raise click.ClickException(COUNT_MESSAGE)
    codes = [row.code for row in issue_codes(admin.id, the_school.id, the_group, count)]
    db.session.commit()
    if fmt == "csv":
        text = codes_csv(codes, base_url, the_school, the_group)
    else:
        with current_app.test_request_context(base_url=base_url):
            text = codes_sheet(codes, base_url, admin, the_school, the_group, standalone=True)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"Wrote {count} {the_group} codes for {the_school.name} to {output}.", err=True)
    else:
        click.echo(text, nl=False)


def status_lines(administration: Administration) -> list[str]:
    rows, totals = status_table(administration)
    head = f"{'School':<28} {'Group':<24} {'Issued':>7} {'Started':>8} {'Submitted':>10} {'Opted out':>10} {'Rate':>6}"
    lines = [f"{administration.name} ({administration.state()}, closes {local(administration, administration.closes_at)})",
             head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['school'].name[:28]:<28} {group_label(r['group']):<24} {r['issued']:>7} {r['started']:>8} "
                     f"{r['submitted']:>10} {r['opted_out']:>10} {format_rate(r['rate']):>6}")
    lines.append("-" * len(head))
    lines.append(f"{'Total':<28} {'':<24} {totals['issued']:>7} {totals['started']:>8} {totals['submitted']:>10} "
                 f"{totals['opted_out']:>10} {format_rate(totals['rate']):>6}")
    return lines


@bp.cli.command("status")
@click.argument("administration")
@click.option("--district", default=None, help="The district, when administration names clash.")
def status_command(administration, district):
    """Live status: codes issued, started, submitted, opted out and response rate per school and group."""
    for line in status_lines(find_administration(administration, district)):
        click.echo(line)


@bp.cli.command("simulate")
@click.argument("administration")
@click.option("--respondents", required=True, type=click.IntRange(1, 1_000_000),
              help="How many simulated responses to add, split over schools and groups by enrollment.")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed (same seed, same answers).")
@click.option("--school", "schools", multiple=True, help="Only these schools (name or id; repeatable).")
@click.option("--replace", is_flag=True, help="Delete this administration's earlier simulated responses first.")
@click.option("--district", default=None, help="The district, when administration names clash.")
def simulate_command(administration, respondents, seed, schools, replace, district):
    """Fill an administration with simulated respondents (Rasch model, marked as simulated)."""
    from .simulate import SimulationError, allocate, cells_for, simulate_administration

    admin = find_administration(administration, district)
    chosen = [_school_in(admin, s) for s in schools] or None
    try:
        cells = cells_for(admin, chosen)
    except SimulationError as exc:
        raise click.ClickException(str(exc)) from None
    counts = allocate(respondents, {(s.id, g): s.enrollment(g) for s, g in cells})
    started = time.perf_counter()
    result = simulate_administration(admin, counts, seed, replace=replace, progress=click.echo)
    seconds = time.perf_counter() - started
    total = db.session.scalar(select(func.count()).select_from(Response).where(
        Response.administration_id == admin.id, Response.simulated.is_(True)))
    if result["deleted"]:
        click.echo(f"Deleted {result['deleted']:,} earlier simulated responses (--replace).")
    click.echo(f"Added {result['respondents']:,} simulated respondents ({result['answers']:,} answers, "
               f"{result['opted_out']:,} opted-out codes) to {admin.name!r} in {seconds:.1f} s.")
    click.echo(f"{admin.name!r} now has {total:,} simulated responses"
               + ("." if replace else "; running simulate again adds more, --replace starts over."))

