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

# topic id -> domain id, in reporting order
TOPIC_DOMAIN = {
    "cultural_competence": "engagement",
    "relationships": "engagement",
    "school_participation": "engagement",
    "emotional_safety": "safety",
    "physical_safety": "safety",
    "bullying": "safety",
    "substance_abuse": "safety",
    "emergency_readiness": "safety",
    "physical_environment": "environment",
    "instructional_environment": "environment",
    "physical_health": "environment",
    "mental_health": "environment",
    "discipline": "environment",
}
TOPICS = tuple(TOPIC_DOMAIN)

TOPIC_LABELS = {
    "cultural_competence": {"en": "Cultural and linguistic competence", "es": "Competencia cultural y lingüística"},
    "relationships": {"en": "Relationships", "es": "Relaciones"},
    "school_participation": {"en": "School participation", "es": "Participación escolar"},
    "emotional_safety": {"en": "Emotional safety", "es": "Seguridad emocional"},
    "physical_safety": {"en": "Physical safety", "es": "Seguridad física"},
    "bullying": {"en": "Bullying/cyberbullying", "es": "Acoso escolar/ciberacoso"},
    "substance_abuse": {"en": "Substance abuse", "es": "Consumo de sustancias"},
    "emergency_readiness": {"en": "Emergency readiness/management", "es": "Preparación y manejo de emergencias"},
    "physical_environment": {"en": "Physical environment", "es": "Entorno físico"},
    "instructional_environment": {"en": "Instructional environment", "es": "Entorno de enseñanza"},
    "physical_health": {"en": "Physical health", "es": "Salud física"},
    "mental_health": {"en": "Mental health", "es": "Salud mental"},
    "discipline": {"en": "Discipline", "es": "Disciplina"},
}

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
# Scale scores are published (CSV exports, result files) with this many decimals, and a
# performance level is decided on the score as published, so a reader who sees 400.00 sees
# Favorable whatever float noise lies beyond.
PUBLISHED_DECIMALS = 2

LANGUAGES = ("en", "es")
