"""`climate administration create|list`, `climate codes` and `climate status`: the administration
pages' tasks on the command line (the pages are climate.administer)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from ..administer.codes import codes_csv, codes_sheet, public_base_url
from ..administer.forms import COUNT_MESSAGE, DATETIME_FORMATS, MAX_CODES
from ..administer.notice import check_codes_allowed
from ..administer.service import AdministrationError, create_administration, local, status_table
from ..codes import issue_codes
from ..extensions import db
from ..labels import format_rate, group_label
from ..models import Administration
from .params import (RESPONDENT_GROUP, SCHOOL, administration_argument, district_option, group_in, only_district,
                     school_in)

COMMANDS = []


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
        group = RESPONDENT_GROUP.convert(str(key), None, None)
        if group not in groups:
            raise click.ClickException(f"The custom items file has items for {group}, which is not one of the chosen groups.")
        out[group] = items
    return out


@click.group("administration", cls=AppGroup)
def administration_cli():
    """Create and list administrations (data collections)."""


COMMANDS.append(administration_cli)


@administration_cli.command("create")
@click.option("--name", required=True, help="The administration's name, unique in the district.")
@click.option("--opens", required=True, help='Opening date and time in the district\'s time zone, "2026-03-02 08:00".')
@click.option("--closes", required=True, help="Closing date and time; a date alone means 23:59 that day.")
@click.option("--school", "schools", multiple=True, type=SCHOOL, help="A school by name, id or NCES id (repeat for more).")
@click.option("--group", "groups", multiple=True, type=RESPONDENT_GROUP,
              help="student, instructional_staff, noninstructional_staff or parent (repeat).")
@click.option("--sro/--no-sro", default=False, help="Include the school resource officer module.")
@click.option("--custom-items", type=click.Path(dir_okay=False), help="YAML: group -> list of {text: {en, es}, options: [{en, es}, ...]}.")
@click.option("--consent-en", default=None, help="Consent text in English for every group (default: each group's own).")
@click.option("--consent-es", default=None, help="Consent text in Spanish for every group (default: each group's own).")
@district_option("The district's name (default: the only district).", callback=only_district)
def create_command(name, opens, closes, schools, groups, sro, custom_items, consent_en, consent_es, district):
    """Create an administration. Nothing is stored when any input is wrong."""
    opens_at = _parse_when(opens, "open")
    closes_at = _parse_when(closes, "close", end_of_day=True)
    if not schools:
        raise click.ClickException("Choose at least one school with --school.")
    if not groups:
        raise click.ClickException("Choose at least one respondent group with --group.")
    chosen_groups = list(dict.fromkeys(groups))
    custom = _read_custom_items(custom_items, chosen_groups)
    try:
        administration = create_administration(district, name, opens_at, closes_at, list(schools), chosen_groups,
                                               sro_module=sro, custom_items=custom,
                                               consent_text={g: {"en": consent_en or "", "es": consent_es or ""}
                                                             for g in chosen_groups})
    except AdministrationError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Created administration {administration.name!r} (id {administration.id}) for "
               f"{len(administration.schools)} school(s) and {', '.join(chosen_groups)}; open "
               f"{local(administration, administration.opens_at)} to {local(administration, administration.closes_at)} "
               f"({district.timezone}).")


@administration_cli.command("list")
def list_command():
    """List administrations with their state and dates."""
    for a in db.session.scalars(select(Administration).order_by(Administration.district_id, Administration.opens_at)):
        click.echo(f"{a.id:>4}  {a.name:<32} {a.state():<9} {local(a, a.opens_at)} – {local(a, a.closes_at)}  "
                   f"{len(a.schools)} school(s)")


@click.command("codes")
@administration_argument()
@click.option("--school", required=True, type=SCHOOL, help="School name, id or NCES id.")
@click.option("--group", required=True, type=RESPONDENT_GROUP, help="Respondent group.")
@click.option("--count", required=True, type=int, help=f"How many codes (1-{MAX_CODES}).")
@click.option("--format", "fmt", type=click.Choice(["csv", "html"]), default="csv", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False), help="Write to this file instead of standard output.")
@click.option("--base-url", default=None,
              help="Address of the survey site (default: PUBLIC_BASE_URL, else http://127.0.0.1:5000).")
@district_option("The district, when administration names clash.")
@with_appcontext
def codes_command(administration, school, group, count, fmt, output, base_url, district):
    """Issue COUNT new random access codes for a school and respondent group: CSV or a printable sheet."""
    school_in(administration, school)
    group_in(administration, group)
    if not 1 <= count <= MAX_CODES:
        raise click.ClickException(COUNT_MESSAGE)
    try:
        check_codes_allowed(administration, school, group, count)  # withholds parental opt-outs
    except AdministrationError as exc:
        raise click.ClickException(str(exc)) from None
    base_url = (base_url or public_base_url()).rstrip("/")
    codes = [row.code for row in issue_codes(administration.id, school.id, group, count)]
    db.session.commit()
    if fmt == "csv":
        text = codes_csv(codes, base_url, school, group)
    else:
        with current_app.test_request_context(base_url=base_url):
            text = codes_sheet(codes, base_url, administration, school, group, standalone=True)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"Wrote {count} {group} codes for {school.name} to {output}.", err=True)
    else:
        click.echo(text, nl=False)


COMMANDS.append(codes_command)


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


@click.command("status")
@administration_argument()
@district_option("The district, when administration names clash.")
@with_appcontext
def status_command(administration, district):
    """Live status: codes issued, started, submitted, opted out and response rate per school and group."""
    for line in status_lines(administration):
        click.echo(line)


COMMANDS.append(status_command)
