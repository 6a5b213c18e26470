"""How the export files are protected, in words: shown on the exports page, as notes.txt, and (for
one file) with that file's information loss and l-diversity, inside its SPSS documents."""
from __future__ import annotations

from flask import current_app

from surveys.exports import measure_label

from ..labels import group_label
from ..models import Administration
from .responses import ResponseTable

LOSS_NAMES = {"school": "school", "group": "respondent group", "grade": "grade", "sex": "sex", "race": "race",
              "hispanic": "Hispanic origin", "language": "home language", "role": "staff role",
              "years": "years at the school", "survey_language": "survey language (LANGUAGE)"}


def notes_text(administration: Administration, table: ResponseTable | None = None, min_n: int | None = None) -> str:
    """The export notes; with a table, the notes of that one file (its tier, loss and l-diversity)."""
    min_n = current_app.config["SUPPRESSION_MIN"] if min_n is None else min_n
    lines = [f"Exports of {administration.name}: the two tiers of response files and how they are protected", ""]
    if table is not None:
        lines += _file_notes(table), ""
    lines += [
        "Response files (one per respondent group and tier, CSV or SPSS .sav)",
        "- One row per respondent. By default only submitted responses; the 'including unfinished' files add",
        "  responses that were started but not submitted (STATUS says which).",
        "- No access codes, no database ids and no dates are exported. ROW is the row number in the file and",
        "  nothing else. Rows are sorted by school and then in an order fixed by a keyed hash, which does not",
        "  follow the order in which people answered.",
        "- Item columns use the codebook's variable names. SS_<MEASURE> are the scale scores (100-500) of the",
        "  published scoring run, PL_<MEASURE> their performance levels: 1 = Least Favorable (below 300),",
        "  2 = Favorable (300-400), 3 = Most Favorable (above 400).",
        "",
        "RESTRICTED tier: contains small groups",
        "- The district's full file: every answer as given (race as one 0/1 column per option, S_RACE_<value>),",
        "  scale scores to two decimals. It contains groups of fewer than "
        f"{min_n} respondents, whose answers can be read from it.",
        "- District staff only; every download is recorded (who, when, which file) and listed on the exports page.",
        "- Keep it inside the school system. It can be imported into another administration as it is.",
        "- SPSS: 'Prefer not to say' (99) is declared a missing value; unanswered questions are system missing.",
        "",
        f"Shareable tier: {min_n}-anonymous",
        "- Quasi-identifiers: school, respondent group, grade, sex, race, Hispanic origin, home language, staff",
        "  role, years at the school, and the survey's language. Every combination of their values in the file",
        f"  is shared by at least {min_n} rows (k-anonymity, k = {min_n}, the reports' minimum group size).",
        "- First, a background answer in a category that the published reports hide at that school is withheld",
        "  (left blank), so that the file cannot reproduce a hidden result. Hidden categories come at least two",
        "  to a question, so the blank rows are never exactly one hidden category.",
        "- Then values are generalised, only for rows still in a combination of fewer than "
        f"{min_n}: grade to",
        "  two-grade bands and then 5-8 / 9-12; race to White, Black, Asian, Other, Two or more, and then",
        "  White / Other; home language to English / Spanish or both / Another; years to up to 3 / 4 or more;",
        "  staff role to two groups of its roles (named by their labels). Blanking is the last resort, and the",
        "  school is replaced by '(withheld)' only when nothing else works.",
        "- Rows still in a combination that is too small are merged with another combination of their group:",
        "  both take the values they share (blank where they share none), so some rows of a larger combination",
        "  may be blanked or have their school withheld too.",
        "- Generalised categories have codes from 101 on (their names are the value labels); 999 means no answer,",
        "  'Prefer not to say', or withheld: these look the same, and SPSS declares 999 a missing value.",
        "  Race is one column (S_RACE): a single race keeps its option's code, 64 = more than one race.",
        "- Scale scores are whole points. The information loss per variable and the l-diversity of the",
        "  performance levels are in each file's notes (the 'notes' link beside the file, and the SPSS file's",
        "  documents).",
        "",
        "Group results file (CSV)",
        "- The stored cells of the published scoring run: school (or District), respondent group, measure,",
        "  subgroup. Hidden cells say 'suppressed' in the status column and carry no numbers.",
        "",
        "Importing responses",
        "- The import reads the response file layout (the same variable names): a restricted file can be loaded",
        "  into another administration with the same questionnaires. ROW, ADMINISTRATION, SS_* and PL_* columns",
        "  are ignored; scores are computed again by scoring. If any row has a problem nothing is imported.",
    ]
    return "\n".join(lines) + "\n"


def _file_notes(table: ResponseTable) -> str:
    name = f"This file: {group_label(table.group, 'en')} responses, {table.tier} tier"
    if table.tier == "restricted":
        return (f"{name}.\nRESTRICTED: it contains small groups (fewer than {table.k} respondents). District staff "
                "only; every download of it is recorded.")
    lines = [f"{name}, {table.k}-anonymous.", "Information loss (% of the rows that had a value):",
             f"  {'variable':<28}{'generalised':>12}{'blanked':>10}{'withheld':>10}"]
    for var, loss in table.loss.items():
        if var in ("school", "group") and not any(loss.values()):
            continue
        lines.append(f"  {LOSS_NAMES.get(var, var):<28}{loss['generalised']:>11.1f}%{loss['blanked']:>9.1f}%"
                     f"{loss['withheld']:>9.1f}%")
    if table.diversity:
        lines.append("l-diversity of the performance levels (the fewest distinct levels, counting 'unscored',")
        lines.append("in any combination of the quasi-identifiers; 1 means some combination shares one level):")
        lines += [f"  {measure_label(m)}: l = {value}" for m, value in table.diversity.items()]
    return "\n".join(lines)
