"""How the export files are de-identified, in words: shown on the exports page and as notes.txt."""
from __future__ import annotations

from flask import current_app

from surveys.exports import COARSEN_ORDER, SURVEY_LANGUAGE

from ..models import Administration


def notes_text(administration: Administration, min_n: int | None = None) -> str:
    min_n = current_app.config["SUPPRESSION_MIN"] if min_n is None else min_n
    order = ", ".join("survey language (LANGUAGE)" if n == SURVEY_LANGUAGE else
                      "home language" if n == "language" else n for n in COARSEN_ORDER)
    lines = [
        f"Exports of {administration.name}: how the files are de-identified",
        "",
        "Response files (one per respondent group, CSV or SPSS .sav)",
        "- One row per respondent. By default only submitted responses; the 'including unfinished' files add",
        "  responses that were started but not submitted (STATUS says which).",
        "- No access codes, no database ids and no dates are exported. ROW is the row number in the file and",
        "  nothing else. ADMINISTRATION names the data collection.",
        "- Rows are sorted by school and then in an order fixed by a keyed hash, which does not follow the",
        "  order in which people answered.",
        "- Item columns use the codebook's variable names: core items, the SRO module (when it was on), custom",
        "  items (C01, C02, ...), then the background questions. The multi-select race question is one 0/1",
        "  column per option (S_RACE_<value>). An empty cell means no answer (SPSS: system missing).",
        "- SS_<TOPIC> and SS_<DOMAIN> are the scale scores (100-500) of the current scoring run; PL_<...> their",
        "  performance levels: 1 = Least Favorable (below 300), 2 = Favorable (300-400), 3 = Most Favorable",
        "  (above 400). Empty when the respondent could not be scored or the administration is not scored yet.",
        "",
        f"Coarsening of background answers (minimum group size {min_n})",
        "- Within each school, a row's background answers (grade, sex, Hispanic origin, race, home language,",
        "  survey language; for staff role and years at the school) form its combination.",
        f"- Then, for each background answer in this order: {order}, every row whose combination is",
        f"  shared by fewer than {min_n} rows of its school gets that answer blanked. Afterwards every",
        f"  combination is shared by at least {min_n} rows, or the row's background answers are all blank.",
        "- A blanked answer looks exactly like an unanswered question, so which answers were blanked cannot be",
        "  told from the file. Subgroup counts computed from the file can therefore be smaller than those in",
        "  the reports; the reports use the full answers with small-group suppression.",
        "- Custom items are exported as answered: they are never coarsened.",
        "",
        "Group results file (CSV)",
        "- The stored cells of the current scoring run: school (or District), respondent group, measure, subgroup.",
        f"- Cells with fewer than {min_n} respondents, and cells that would let a hidden cell be recovered by",
        "  subtraction, say 'suppressed' in the status column and carry no numbers.",
        "",
        "Importing responses",
        "- The import reads the response file layout (the same variable names): an export can be loaded into",
        "  another administration with the same questionnaires. ROW, ADMINISTRATION, SS_* and PL_* columns are",
        "  ignored; scores are computed again by scoring.",
        "- Every row is checked first; if any row has a problem nothing is imported.",
        "",
        "Keep these files inside the school system; do not publish response-level files.",
    ]
    return "\n".join(lines) + "\n"
