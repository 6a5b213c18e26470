"""Pre-built page models of a pinned questionnaire: its pages, each page's items with their texts
and choices in both languages, the page's form class, and each item's rendered HTML per
language and chosen answer. Built once per process per pinned snapshot, so a page view only
looks up fragments and fills in the page around them."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from markupsafe import Markup
from sqlalchemy import select

from surveys.instruments import BackgroundItem, CustomItem, Instrument, Page, validate_custom_items

from ..extensions import db
from ..models import AdministrationGroup
from .forms import PageForm, page_form_class

LANGUAGE_CODES = ("en", "es")


def choices(item, language: str) -> list[tuple[int, str]]:
    """(stored value, label) of each choice, in display order."""
    if isinstance(item, BackgroundItem):
        return [(o.value, o.label.get(language) or o.label["en"]) for o in item.options]
    if isinstance(item, CustomItem):
        return [(i, o.get(language) or o["en"]) for i, o in enumerate(item.options, start=1)]
    labels = item.scale.labels.get(language) or item.scale.labels["en"]
    return list(zip(item.values, labels))


@dataclass(eq=False)
class ItemModel:
    """One question of a page, ready to render in either language."""
    id: str
    item: object
    multiple: bool
    text: dict[str, str]
    choices: dict[str, list[tuple[int, str]]]
    _html: dict = field(default_factory=dict, repr=False)

    def chosen(self, stored: int | None) -> frozenset[int]:
        if stored is None:
            return frozenset()
        return frozenset(self.item.selected(stored)) if self.multiple else frozenset((stored,))

    def html(self, language: str, number: int, chosen: frozenset[int], problem: bool = False) -> Markup:
        """The item's fieldset. Cached per language, position and choice, except for the rare
        page shown again with a problem."""
        key = (language, number, chosen)
        if not problem and key in self._html:
            return self._html[key]
        html = Markup(current_app.jinja_env.get_template("respond/_item.html").render(
            item=self, language=language, number=number, chosen=chosen, problem=problem))
        if not problem:
            self._html[key] = html
        return html


@dataclass(eq=False)
class PageModel:
    page: Page
    items: list[ItemModel]
    form_class: type[PageForm]

    @property
    def number(self) -> int:
        return self.page.number

    @property
    def kind(self) -> str:
        return self.page.kind

    @property
    def topic(self) -> str | None:
        return self.page.topic


@dataclass(eq=False)
class SurveyModel:
    """The pages a respondent of one pinned administration group sees."""
    instrument: Instrument
    pages: list[PageModel]

    @property
    def total(self) -> int:
        return len(self.pages)

    def page(self, number: int) -> PageModel | None:
        return self.pages[number - 1] if 1 <= number <= len(self.pages) else None

    @property
    def plain_pages(self) -> list[Page]:
        return [p.page for p in self.pages]


def _item_model(item) -> ItemModel:
    return ItemModel(id=item.id, item=item, multiple=isinstance(item, BackgroundItem) and item.multiple,
                     text={lang: item.text.get(lang) or item.text["en"] for lang in LANGUAGE_CODES},
                     choices={lang: choices(item, lang) for lang in LANGUAGE_CODES})


def build_model(instrument: Instrument, custom: tuple[CustomItem, ...], sro_module: bool) -> SurveyModel:
    """SRO items only when the administration asks for them and the group's questionnaire has
    them; custom items after the topics; background last."""
    sro = bool(sro_module and (instrument.sro_items or instrument.sro_background))
    pages = instrument.pages(sro=sro, custom=tuple(custom))
    return SurveyModel(instrument, [PageModel(p, [_item_model(it) for it in p.items], page_form_class(p))
                                    for p in pages])


_MODELS: dict[tuple, SurveyModel] = {}


@dataclass(frozen=True, eq=False)
class Pinned:
    """What an administration group's respondents answer, as last read from the database by this
    process: the page model and the pinned snapshot it was built from (version, custom items,
    SRO flag), so a save can check in SQL that it is still the pinned one."""
    administration_id: int
    group: str
    version: str
    custom_items: list | None
    sro_module: bool
    model: SurveyModel


_PINNED: dict[tuple[int, str], Pinned] = {}


def pinned(administration_id: int | None, group: str | None) -> Pinned | None:
    """The last page model this process built or used for an administration group, if any."""
    return _PINNED.get((administration_id, group))


def survey_model(administration_id: int, group: str, version: str, custom_items: list | None,
                 sro_module: bool) -> SurveyModel:
    """The page model of an administration group's pinned questionnaire, built once per process.

    The snapshot JSON is large, so it is read from the database only on a cache miss; the key
    (version and custom items) changes whenever the snapshot may have changed."""
    key = (administration_id, group, version, repr(custom_items), bool(sro_module))
    model = _MODELS.get(key)
    if model is None:
        snapshot = db.session.scalar(select(AdministrationGroup.instrument).where(
            AdministrationGroup.administration_id == administration_id,
            AdministrationGroup.respondent_group == group))
        instrument = Instrument.from_dict(snapshot, source=f"administration {administration_id}")
        custom = validate_custom_items([{"text": c["text"], "options": c["options"]} for c in custom_items or []])
        model = _MODELS[key] = build_model(instrument, custom, sro_module)
    known = _PINNED.get((administration_id, group))
    if known is None or known.model is not model or known.custom_items != custom_items:
        _PINNED[(administration_id, group)] = Pinned(administration_id, group, version, custom_items,
                                                     bool(sro_module), model)
    return model
