"""Helpers shared by the respondent tests: walk the survey like a respondent would."""
import re

from sqlalchemy import select

from climate.extensions import db
from climate.models import AccessCode, Answer, Response


def pages_for(administration, group="student"):
    from climate import survey as svc
    instrument, custom = svc._pinned(administration.id, group)
    return svc.survey_pages(administration, instrument, custom)


def consent(client, code):
    return client.post(f"/s/{code}/consent", data={"choice": "yes"})


def answers_for(page, pick=0):
    """A full set of valid answers for a page: the (pick mod n)-th choice of every item."""
    from surveys.instruments import BackgroundItem
    out = {}
    for item in page.items:
        values = list(item.values)
        if isinstance(item, BackgroundItem) and item.multiple:
            out[item.id] = [str(values[pick % (len(values) - 1)])]
        else:
            out[item.id] = str(values[pick % len(values)])
    return out


def stored(answers_form, page):
    """What the database should hold for a posted page form."""
    out = {}
    for k, v in answers_form.items():
        out[k] = sum(int(x) for x in v) if isinstance(v, list) else int(v)
    return out


def response_row(code):
    return db.session.scalar(select(Response).join(AccessCode, Response.access_code_id == AccessCode.id)
                             .where(AccessCode.code == code).execution_options(populate_existing=True))


def stored_answers(code):
    db.session.expire_all()
    return dict(db.session.execute(select(Answer.item_id, Answer.value).join(Response)
                                   .join(AccessCode, Response.access_code_id == AccessCode.id)
                                   .where(AccessCode.code == code)).all())


def snapshot():
    """Every response and answer row, to prove a request changed nothing."""
    db.session.expire_all()
    responses = sorted(tuple(r) for r in db.session.execute(select(
        Response.id, Response.access_code_id, Response.status, Response.language, Response.submitted_on)).all())
    answers = sorted(tuple(r) for r in db.session.execute(select(Answer.response_id, Answer.item_id, Answer.value)).all())
    codes = sorted(tuple(r) for r in db.session.execute(select(AccessCode.id, AccessCode.status)).all())
    return responses, answers, codes


def main_text(html):
    """The visible text of <main>, whitespace squeezed: what a respondent reads."""
    body = html.split('<main', 1)[1].split('</main>', 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip()
