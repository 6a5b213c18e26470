"""The fixed vocabulary of the ED School Climate Survey model: respondent groups, domains,
topics and performance levels. Every other module takes its names from here."""

RESPONDENT_GROUPS = ("student", "instructional_staff", "noninstructional_staff", "parent")

GROUP_LABELS = {
    "student": {"en": "Students", "es": "Estudiantes"},
    "instructional_staff": {"en": "Instructional staff", "es": "Personal docente"},
    "noninstructional_staff": {"en": "Noninstructional staff", "es": "Personal no docente"},
    "parent": {"en": "Parents and guardians", "es": "Padres y tutores"},
}

DOMAINS = ("engagement", "safety", "environment")

DOMAIN_LABELS = {
    "engagement": {"en": "Engagement", "es": "Participación"},
    "safety": {"en": "Safety", "es": "Seguridad"},
    "environment": {"en": "Environment", "es": "Entorno"},
}

# Topics in reporting order: id, domain, English and Spanish label.
_TOPICS = (
    ("cultural_competence", "engagement", "Cultural and linguistic competence", "Competencia cultural y lingüística"),
    ("relationships", "engagement", "Relationships", "Relaciones"),
    ("school_participation", "engagement", "School participation", "Participación escolar"),
    ("emotional_safety", "safety", "Emotional safety", "Seguridad emocional"),
    ("physical_safety", "safety", "Physical safety", "Seguridad física"),
    ("bullying", "safety", "Bullying/cyberbullying", "Acoso escolar/ciberacoso"),
    ("substance_abuse", "safety", "Substance abuse", "Consumo de sustancias"),
    ("emergency_readiness", "safety", "Emergency readiness/management", "Preparación y manejo de emergencias"),
    ("physical_environment", "environment", "Physical environment", "Entorno físico"),
    ("instructional_environment", "environment", "Instructional environment", "Entorno de enseñanza"),
    ("physical_health", "environment", "Physical health", "Salud física"),
    ("mental_health", "environment", "Mental health", "Salud mental"),
    ("discipline", "environment", "Discipline", "Disciplina"),
)
TOPIC_DOMAIN = {topic: domain for topic, domain, _en, _es in _TOPICS}
TOPICS = tuple(TOPIC_DOMAIN)
TOPIC_LABELS = {topic: {"en": en, "es": es} for topic, _domain, en, es in _TOPICS}

_STAFF_SCALED = tuple(t for t in TOPICS if t != "emergency_readiness")
# Which topics become scale scores for each respondent group (parents: item level only).
SCALED_TOPICS = {
    "student": tuple(t for t in _STAFF_SCALED if t != "physical_health"),
    "instructional_staff": _STAFF_SCALED,
    "noninstructional_staff": _STAFF_SCALED,
    "parent": (),
}

# Performance levels on the 100-500 reporting scale; cut scores 300 and 400.
CUT_SCORES = (300.0, 400.0)
PERFORMANCE_LEVELS = ("least_favorable", "favorable", "most_favorable")
LEVEL_LABELS = {
    "least_favorable": {"en": "Least Favorable", "es": "Menos favorable"},
    "favorable": {"en": "Favorable", "es": "Favorable"},
    "most_favorable": {"en": "Most Favorable", "es": "Más favorable"},
}
REPORT_MIN, REPORT_MAX = 100.0, 500.0
# Scale scores and group means (and interval ends) are published on every page and in every
# shareable CSV with this many decimals: whole scale points.  A performance level is decided on
# the score as published, so a reader who sees 400 sees Favorable whatever lies beyond, and the
# disclosure audit (surveys.disclosure) knows each shown mean only to within half a point.
PUBLISHED_DECIMALS = 0

LANGUAGES = ("en", "es")
