"""Recommendations from a school's stored results (the rules are surveys.recommend), their titles,
and the district overview's reads shared by every school."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from surveys.guidance import default_guidance
from surveys.recommend import Recommendation, recommend
from surveys.scales import level_name

from .. import results
from ..labels import RECOMMENDATION_KIND_LABELS, group_label, level_label, subgroup_label, topic_label
from ..models import Administration, School

KIND_LABELS = RECOMMENDATION_KIND_LABELS
# surveys.recommend.STEP_REASONS in the reader's language (surveys/ has no Flask to translate with).
STEP_REASONS = {
    "least_favorable": _l("A Least Favorable score calls for choosing, planning and carrying out interventions "
                          "for this topic"),
    "subgroup_gap": _l("A gap between subgroups calls for reading the results by subgroup and item, alongside "
                       "school records"),
    "decline": _l("A decline calls for comparing with the last administration and checking what is in place"),
    "student_staff_disagree": _l("When students and staff see the school differently, listening sessions with "
                                 "both come first"),
    "low_response": _l("Too few answers call for reaching those who did not respond before drawing conclusions"),
}
SAFETY_TOPICS = ("physical_safety", "emotional_safety", "bullying", "discipline")
SAFETY_GROUPS = ("student", "instructional_staff", "noninstructional_staff")


@dataclass
class SchoolResults:
    administration: Administration
    cells: list[dict]            # the school's topic cells (whole group and subgroups) and SRO item cells
    district_cells: list[dict]
    previous: Administration | None
    previous_cells: list[dict]
    rates: dict[str, tuple[int, int]]
    provisional: bool | None  # None: not looked up (the overview shows no notice)


def school_results(school: School, administration: Administration) -> SchoolResults:
    run = results.current_run(administration.id)
    topic_cells = results.cells(run, school_id=school.id, measure_kind="topic", subgroup=None)
    item_cells = results.cells(run, school_id=school.id, measure_kind="item")
    district = results.cells(run, school_id=None, measure_kind="topic")
    previous = results.previous_administration(administration, school.id)
    previous_cells = []
    if previous is not None:
        previous_cells = results.cells(results.current_run(previous.id), school_id=school.id, measure_kind="topic")
    return SchoolResults(administration, topic_cells + item_cells, district, previous, previous_cells,
                         results.response_rates(administration, school), results.is_provisional(run))


class DistrictResults:
    """Run-level reads shared by every school of the overview: each administration's topic cells
    are read once for all schools (not once per school), and so are its earlier runs."""

    def __init__(self, district_id: int):
        self.scored = results.scored_administrations(district_id)
        self._school_ids = {a.id: {s.id for s in a.schools} for a in self.scored}
        self._topic_cells: dict[int, dict] = {}
        self._counts: dict[int, dict] = {}

    def administrations(self, school: School) -> list[Administration]:
        return [a for a in self.scored if school.id in self._school_ids[a.id]]

    def _cells_by_school(self, administration: Administration) -> dict:
        if administration.id not in self._topic_cells:
            grouped: dict = {}
            for cell in results.cells(results.current_run(administration.id), measure_kind="topic", subgroup=None):
                grouped.setdefault(cell["school_id"], []).append(cell)
            self._topic_cells[administration.id] = grouped
        return self._topic_cells[administration.id]

    def school_results(self, school: School, administration: Administration) -> SchoolResults:
        """Whole-group topic results of one school (what the overview's rules need)."""
        cells = self._cells_by_school(administration)
        previous = next((a for a in results.previous_candidates(administration)
                         if school.id in self._school_ids[a.id]), None)
        previous_cells = self._cells_by_school(previous).get(school.id, []) if previous else []
        if administration.id not in self._counts:
            self._counts[administration.id] = results.response_counts(administration.id)
        rates = results.rates_from_counts(self._counts[administration.id], administration, school)
        return SchoolResults(administration, cells.get(school.id, []), cells.get(None, []), previous,
                             previous_cells, rates, provisional=None)


def school_recommendations(sr: SchoolResults) -> list[Recommendation]:
    topic_cells = [c for c in sr.cells if c["measure_kind"] == "topic"]
    return recommend(topic_cells, sr.district_cells, sr.previous_cells, sr.rates, default_guidance())


def recommendation_title(r: Recommendation) -> str:
    """The recommendation's heading in the reader's language (also a plan item's title when added)."""
    n = r.numbers
    topic, group = topic_label(r.topic), group_label(r.group).lower()
    if r.kind == "least_favorable":
        return _("%(topic)s (%(group)s): Least Favorable score", topic=topic, group=group)
    if r.kind == "decline":
        return _("%(topic)s (%(group)s): the score declined", topic=topic, group=group)
    if r.kind == "subgroup_gap":
        return _("%(topic)s (%(group)s): gap between %(variable)s %(low)s and %(high)s", topic=topic, group=group,
                 variable=subgroup_label(n.get("variable")).lower(), low=n.get("low_value"), high=n.get("high_value"))
    if r.kind == "student_staff_disagree":
        return _("%(topic)s: students and %(staff)s disagree", topic=topic,
                 staff=group_label(n.get("staff_group")).lower())
    if r.kind == "low_response":
        return _("%(group)s: low response rate", group=group_label(r.group))
    return r.key


# "Students' Discipline score ...": whose score, in the reader's language.
WHOSE = {"student": _l("Students'"), "instructional_staff": _l("Instructional staff's"),
         "noninstructional_staff": _l("Noninstructional staff's"), "parent": _l("Parents and guardians'")}


def _score(n: dict, prefix: str = "") -> str:
    """A quoted score with its 95% interval when it has one: "268 (95% interval 258-278)"."""
    mean, low, high = n.get(f"{prefix}mean"), n.get(f"{prefix}ci_low"), n.get(f"{prefix}ci_high")
    if low is None or high is None:
        return f"{mean:.0f}"
    return _("%(score)s (95%% interval %(low)s-%(high)s)", score=f"{mean:.0f}", low=f"{low:.0f}", high=f"{high:.0f}")


def _subgroup(variable: str, value: str) -> str:
    if variable == "grade":
        return _("grade %(value)s", value=value)
    return _("%(value)s (%(variable)s)", value=value, variable=subgroup_label(variable).lower())


def least_favorable_text(group: str, topic: str, numbers: dict, cut: float) -> str:
    """"Students' Discipline score is 268 (95% interval 258-278), in the Least Favorable range (below
    300)." from a cell's numbers (surveys.evidence.cell_numbers), in the reader's language."""
    return _("%(whose)s %(topic)s score is %(score)s, in the %(level)s range (below %(cut)s).", whose=WHOSE[group],
             topic=topic_label(topic), score=_score(numbers), level=level_label("least_favorable"), cut=f"{cut:.0f}")


def recommendation_evidence(r: Recommendation) -> str:
    """The recommendation's evidence in the reader's language, from its numbers (surveys.recommend
    writes the English sentence; surveys/ has no Flask to translate with)."""
    n, topic = r.numbers, topic_label(r.topic)
    try:
        if r.kind == "least_favorable":
            text = least_favorable_text(r.group, r.topic, n, n["cut_score"])
            if n.get("district_mean") is not None:
                text += " " + _("The district's score for %(group)s is %(score)s.", group=group_label(r.group).lower(),
                                score=_score(n, "district_"))
            return text
        if r.kind == "subgroup_gap":
            return _("%(whose)s %(topic)s score is %(low)s for %(low_group)s and %(high)s for %(high_group)s. The gap "
                     "of %(gap)s points has a 95%% interval of %(lower)s-%(upper)s, which excludes zero.",
                     whose=WHOSE[r.group], topic=topic, low=_score(n, "low_"),
                     low_group=_subgroup(n["variable"], n["low_value"]), high=_score(n, "high_"),
                     high_group=_subgroup(n["variable"], n["high_value"]), gap=f"{n['gap']:.0f}",
                     lower=f"{n['gap_ci_low']:.0f}", upper=f"{n['gap_ci_high']:.0f}")
        if r.kind == "decline":
            return _("%(whose)s %(topic)s score fell from %(before)s in the previous administration to %(after)s. "
                     "The decline of %(decline)s points has a 95%% interval of %(lower)s-%(upper)s, which excludes "
                     "zero.", whose=WHOSE[r.group], topic=topic, before=_score(n, "previous_"), after=_score(n),
                     decline=f"{n['decline']:.0f}", lower=f"{n['decline_ci_low']:.0f}",
                     upper=f"{n['decline_ci_high']:.0f}")
        if r.kind == "student_staff_disagree":
            low, high = sorted((abs(n["difference_ci_low"]), abs(n["difference_ci_high"])))
            return _("Students rate %(topic)s at %(student)s, %(student_level)s, while %(staff)s rate it at "
                     "%(staff_score)s, %(staff_level)s. The difference of %(difference)s points has a 95%% interval "
                     "of %(lower)s-%(upper)s, which excludes zero.", topic=topic, student=_score(n, "student_"),
                     student_level=level_label(n["student_level"]), staff=group_label(n["staff_group"]).lower(),
                     staff_score=_score(n, "staff_"), staff_level=level_label(n["staff_level"]),
                     difference=f"{abs(n['difference']):.0f}", lower=f"{low:.0f}", upper=f"{high:.0f}")
        if r.kind == "low_response":
            return _("Only %(submitted)s of %(enrolled)s %(group)s submitted the survey (%(rate)s), below the "
                     "%(minimum)s needed before results can be taken to represent the school.",
                     submitted=n["submitted"], enrolled=n["enrollment"], group=group_label(r.group).lower(),
                     rate=f"{n['rate']:.0%}", minimum=f"{n['minimum_rate']:.0%}")
    except KeyError:
        pass
    return r.evidence


def whole_cell(cells: list[dict], group: str, topic: str) -> dict | None:
    """The whole-group cell of one group and topic among the cells."""
    return next((c for c in cells if c["measure_kind"] == "topic" and c["subgroup"] is None
                 and c["group"] == group and c["measure"] == topic), None)


def least_favorable(cell: dict | None) -> bool:
    """A shown cell whose performance level (stored, or from its mean) is Least Favorable."""
    if cell is None or cell.get("suppressed") or cell.get("mean") is None:
        return False
    return (cell.get("level") or level_name(cell["mean"])) == "least_favorable"


def low_safety_cells(sr: SchoolResults) -> list[tuple[str, str, float]]:
    """(topic, group, mean) of the safety and discipline results in the Least Favorable range."""
    found = []
    for group in SAFETY_GROUPS:
        for topic in SAFETY_TOPICS:
            cell = whole_cell(sr.cells, group, topic)
            if least_favorable(cell):
                found.append((topic, group, cell["mean"]))
    return found
