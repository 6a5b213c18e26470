"""`climate export`, `climate import-responses` and `climate codebook`: the exports page's files on
the command line (the work is climate.exports) and a questionnaire's codebook."""
import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from surveys.domain import RESPONDENT_GROUPS

from ..exports.group_results import results_csv
from ..exports.importing import IMPORT_MAX_BYTES, ImportFailed, import_responses
from ..exports.notes import notes_text
from ..exports.responses import ExportError, response_table, responses_csv, responses_sav
from ..extensions import db
from ..models import ExportDownload
from .params import RESPONDENT_GROUP, SCHOOL, administration_argument, group_in, school_in


@click.command("export")
@administration_argument()
@click.option("--group", type=RESPONDENT_GROUP, help="Respondent group (required for response files).")
@click.option("--format", "fmt", type=click.Choice(["csv", "sav", "results"]), default="csv", show_default=True,
              help="csv/sav: de-identified responses; results: the group results (suppression applied).")
@click.option("--tier", type=click.Choice(["shareable", "restricted"]), default="shareable", show_default=True,
              help="Response files: shareable (k-anonymous) or restricted (full, contains small groups; recorded).")
@click.option("--include-incomplete", is_flag=True, help="Also export started but unsubmitted responses.")
@click.option("--output", required=True, type=click.Path(dir_okay=False), help="The file to write.")
@with_appcontext
def export_command(administration, group, fmt, tier, include_incomplete, output):
    """Export ADMINISTRATION's responses (shareable or restricted tier) or group results to a file."""
    the_group = group_in(administration, group) if group else None
    try:
        if fmt == "results":
            Path(output).write_text(results_csv(administration, the_group), encoding="utf-8")
            click.echo(f"Wrote the group results of {administration.name!r} to {output}.", err=True)
            return
        if the_group is None:
            raise click.ClickException("Give the respondent group with --group.")
        table = response_table(administration, the_group, tier, include_incomplete=include_incomplete)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from None
    if tier == "restricted":
        db.session.add(ExportDownload(user_id=None, user_email="the command line", administration_id=administration.id,
                                      filename=Path(output).name))
        db.session.commit()
    if fmt == "csv":
        Path(output).write_text(responses_csv(table), encoding="utf-8")
    else:
        Path(output).write_bytes(responses_sav(table, notes_text(administration, table)))
    click.echo(f"Wrote {len(table.rows):,} {the_group} responses ({tier} tier) to {output}"
               f"{'; the download is recorded' if tier == 'restricted' else '; see the export notes'}.", err=True)


@click.command("import-responses")
@administration_argument()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--group", required=True, type=RESPONDENT_GROUP, help="Respondent group of every row.")
@click.option("--school", default=None, type=SCHOOL, help="School (name, NCES id or id) of every row; otherwise a SCHOOL "
                                             "or NCES_ID column names each row's school.")
@with_appcontext
def import_command(administration, file, group, school):
    """Import responses collected elsewhere from FILE (CSV in the codebook layout): all rows or none."""
    the_group = group_in(administration, group)
    the_school = school_in(administration, school) if school else None
    limit = current_app.config.get("IMPORT_MAX_BYTES", IMPORT_MAX_BYTES)
    if os.path.getsize(file) > limit:
        raise click.ClickException(f"{file} is larger than {limit // (1024 * 1024)} MB; split it into smaller files.")
    try:
        count = import_responses(administration, the_group, Path(file).read_bytes(), the_school)
    except ImportFailed as exc:
        for line in exc.errors:
            click.echo(line, err=True)
        more = exc.total - len(exc.errors)
        if more > 0:
            click.echo(f"... and {more:,} more problems.", err=True)
        raise click.ClickException("Nothing was imported.") from None
    click.echo(f"Imported {count:,} {the_group} responses into {administration.name!r}. "
               f"Run `climate score {administration.id}` to include them in the results.")


@click.command()
@click.option("--group", required=True, type=click.Choice(RESPONDENT_GROUPS))
@click.option("--format", "fmt", default="md", type=click.Choice(["csv", "md"]), show_default=True)
@click.option("--no-sro", is_flag=True, help="Leave out the SRO module's items.")
@with_appcontext
def codebook(group, fmt, no_sro):
    """Print the codebook of a questionnaire: variables, both languages, topic, value labels."""
    from surveys.codebook import codebook as rows, codebook_csv, codebook_markdown

    table = rows(current_app.extensions["instruments"][group], sro=not no_sro)
    click.echo(codebook_csv(table) if fmt == "csv" else codebook_markdown(table), nl=False)


COMMANDS = [export_command, import_command, codebook]
