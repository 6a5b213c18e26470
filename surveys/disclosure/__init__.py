"""One disclosure policy for everything published about an administration's respondents.

The protected unit is a set of respondents, not a table cell.  A *partition* is one school (or the
district) x respondent group x subgroup variable; its *categories* are the subgroup values.  The
*remainder* R (respondents who did not answer the question or preferred not to say) is never
shown and is no category: it is published only implicitly, by subtraction (school total - shown
categories), and to the published precision.  For each partition the policy decides, from
respondent counts alone, which categories are hidden; the same categories are then hidden for
every topic, domain, item table and percentage of that partition.

Published precision is part of what a reader knows: means (and interval ends) are shown in whole
scale points (surveys.domain.PUBLISHED_DECIMALS) and percentages in whole percent, so a shown mean
m of n respondents only tells that their sum lies in [n (m - 1/2), n (m + 1/2)]; counts n are exact.

Rules (min_n = N, default 10, never below 5), for every equation a reader sees

    school total  = sum of the school's categories + R          (one per school, per variable)
    district cell = sum over schools of the school cells        (one per category)
    district total = sum over schools of the school totals

and for every count column (respondents, and respondents with a result in each measure):

1. a cell with 1..N-1 respondents (or 1..N-1 with a result in some measure) is hidden: "fewer";
2. in every equation the hidden categories with respondents are none, or at least two holding at
   least N respondents together; where that cannot be met, all of them are hidden (the whole
   partition).  R takes no part (``remainder_complements=True`` lets it count as a hidden member);
   with ``audited_ties=True`` a district equation may instead leave its hidden school cells under N
   (never for a category of 2N or more where a smaller complement would do), and what it then
   lets a reader subtract is a protected set of the audit;
3. complements are chosen by an integer program (scipy ``milp``/HiGHS) that minimises the number
   of respondents covered by hidden cells, a category of 2N or more counting double: smallest
   groups first, and a group of 2N or more only where nothing smaller protects as well: "complement";
4. a cell whose n changed by 1..N-1 since the last published revision is hidden: "revision";
5. cut loop (Fischetti/Salazar-Gonzalez): a protected count that the published equations
   determine adds a cut "hide one more cell next to it" and the program is solved again;
6. a cell hidden in a published revision stays hidden in later ones;
7. ``protect``: what ``audit`` can still work out (a remainder pinned by the rounded means, a
   domain tying topics of respondents missing one) is fed back as cuts "hide one more shown
   category of that partition" until the audit passes.

``audit`` then plays a determined reader with linear programs over every published sum (to its
published precision), n, district total, domain = mean of the same respondents' topic scores, level
and answer percentages, and every earlier revision, two background questions crossed at a time.

Cell keys are (group, school_id | None, subgroup | None, value | None), as in surveys.aggregate:
school None is the district, subgroup None the school's (or district's) total.
"""
from ..suppression import DEFAULT_MIN_N
from .policy import Block, COMPLEMENT, DEFAULT_WIDTH, Decision, FEWER, Facts, REASON_TEXT, REMAINDER, REVISION, RevisionRefused, SCORE_RANGE, SCREEN_MAX, blocks, cell_counts, describe, refuse_small_changes, revision_changes
from .decide import decide
from .audit import AuditResult, Failure, audit
from .protect import protect

__all__ = [
    "DEFAULT_MIN_N",
    "Block",
    "COMPLEMENT",
    "DEFAULT_WIDTH",
    "Decision",
    "FEWER",
    "Facts",
    "REASON_TEXT",
    "REMAINDER",
    "REVISION",
    "RevisionRefused",
    "SCORE_RANGE",
    "SCREEN_MAX",
    "blocks",
    "cell_counts",
    "describe",
    "refuse_small_changes",
    "revision_changes",
    "decide",
    "AuditResult",
    "Failure",
    "audit",
    "protect",
]
