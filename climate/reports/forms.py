"""The district comparison's query parameters, read with WTForms. The page is a GET link that
people bookmark and edit, so a value outside its choices falls back to the default instead of
failing; only an unknown respondent group is refused (the route answers 404)."""
from __future__ import annotations

from wtforms import Form, SelectField

from ..models import SCHOOL_LEVELS

SORT_DIRS = ("asc", "desc")
VIEWS = ("scores", "difference")


class ComparisonForm(Form):
    """group: a scaled respondent group; level: a school level or "" (all); sort: "school",
    "level", "n" or a topic; dir; view; gaps: a topic whose subgroup gaps are listed, or "";
    gapsby: a subgroup variable or "all"."""

    group = SelectField()
    level = SelectField(choices=[""] + list(SCHOOL_LEVELS), default="")
    sort = SelectField(default="school")
    dir = SelectField(choices=list(SORT_DIRS), default="asc")
    view = SelectField(choices=list(VIEWS), default="scores")
    gaps = SelectField(default="")
    gapsby = SelectField()

    def __init__(self, formdata, scaled_groups: list[str]):
        super().__init__(formdata)
        self.group.choices = scaled_groups
        self.group.default = "student" if "student" in scaled_groups else (scaled_groups[0] if scaled_groups else "")
        if not formdata.get("group"):
            self.group.data = self.group.default

    def set_topics(self, topics: list[str], gap_variables: list[str]) -> None:
        """The choices that depend on the chosen group's instrument."""
        self.sort.choices = ["school", "level", "n"] + list(topics)
        self.gaps.choices = [""] + list(topics)
        self.gapsby.choices = list(gap_variables) + ["all"]
        self.gapsby.default = gap_variables[0] if gap_variables else "all"
        if not self.gapsby.data:
            self.gapsby.data = self.gapsby.default

    def group_is_known(self) -> bool:
        return self.group.data in self.group.choices

    def values(self) -> dict[str, str]:
        """Every parameter, a value outside its choices replaced by the field's default."""
        self.validate()
        return {name: field.default if field.errors else field.data for name, field in self._fields.items()
                if name != "group"} | {"group": self.group.data}
