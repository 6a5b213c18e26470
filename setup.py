"""Installs the school climate survey platform and its `climate` command."""
from setuptools import find_packages, setup

setup(
    name="school-climate",
    version="0.1.0",
    description="School climate surveys: administer, score with Rasch models, report, and act on the results.",
    long_description=open("README.md", encoding="utf-8").read() if __import__("os").path.exists("README.md") else "",
    long_description_content_type="text/markdown",
    python_requires=">=3.11",
    packages=find_packages(include=["climate", "climate.*", "surveys", "surveys.*"]),
    include_package_data=True,
    # the compiled Spanish catalogue is committed (tests/climate/test_i18n.py keeps it current with the .po)
    package_data={"climate": ["translations/*/LC_MESSAGES/*.po", "translations/*/LC_MESSAGES/*.mo"]},
    install_requires=[
        "flask>=3.0,<4",
        "flask-sqlalchemy>=3.1,<4",
        "sqlalchemy>=2.0,<3",
        "flask-migrate>=4.0,<5",
        "alembic>=1.13,<2",
        "flask-wtf>=1.2,<2",
        "flask-login>=0.6.3,<1",
        "flask-babel>=4.0,<5",
        "babel>=2.14,<3",
        "wtforms>=3.1,<4",
        "email-validator>=2.1,<3",
        "numpy>=1.26,<3",
        "scipy>=1.15,<2",  # t quantiles, root finding for the scale cuts; HiGHS (_highspy) for the disclosure audit
        "pyyaml>=6.0,<7",
        "pydantic>=2.5,<3",  # declared models for the instrument and guidance files
        "pyreadstat>=1.2,<2",
        "pandas>=2.1,<4",  # pyreadstat writes SPSS files from a DataFrame
    ],
    extras_require={
        "test": [
            "pytest>=8,<10",
            "pytest-flask>=1.3,<2",
            "pytest-xdist>=3.6,<4",  # the suite on both cores (README: pytest -n auto)
            "hypothesis>=6.100,<7",
            "playwright>=1.40,<2",
            "axe-playwright-python>=0.1.4,<1",
            "psycopg[binary]>=3.1,<4",
            "gunicorn>=22,<28",  # bench/bench_survey_load.py --smoke
        ],
        "postgres": ["psycopg[binary]>=3.1,<4", "gunicorn>=22,<28"],
        "bench": ["girth>=0.8,<1", "gunicorn>=22,<28", "psycopg[binary]>=3.1,<4"],
    },
    entry_points={"console_scripts": ["climate=climate.cli:main"]},
)
