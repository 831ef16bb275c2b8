"""Who is responsible: a 责任 text split into lead and cooperating offices, and each name
matched to an office or group of the config (by name or alias, exactly, then ignoring width of
punctuation and spaces), or proposed as a new one with a readable id. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from reminder.config.model import Config
from reminder.importing.text import clean, key

_CLAUSES = re.compile(r"[，,；;。\n]+")
_NAMES = re.compile(r"[、/／]+|\s+")
_LEAD = ("牵头", "负责", "办理", "落实", "主办", "组织实施")
_COOPERATE = ("配合", "协办", "参与", "协助")
# Names that stand for several offices: a group, whatever the table calls it.
_GROUPISH = re.compile(r"^(各|其他|其它|有关|相关|全体|所有)|属下|下属|各单位|各科室|各股室")


@dataclass(frozen=True, kw_only=True, slots=True)
class Split:
    lead: tuple[str, ...]
    cooperate: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """Every name, whichever side the words put it on."""
        return self.lead + self.cooperate


def split(text: str) -> Split:
    """ "办公室、法规信访科牵头，各科室（单位）配合" -> lead (办公室, 法规信访科), cooperate
    (各科室（单位）). A clause without 牵头/配合 is lead when nothing is yet, else cooperating."""
    lead: list[str] = []
    cooperate: list[str] = []
    for clause in _CLAUSES.split(clean(text)):
        clause = re.sub(r"^(牵头|责任|配合|协办)(单位|科室|部门|股室)?[:：]", "", clause.strip())
        if not clause:
            continue
        target = None
        for words, side in ((_LEAD, lead), (_COOPERATE, cooperate)):
            for word in words:
                if clause.endswith(word):
                    clause, target = clause[: -len(word)], side
                    break
            if target is not None:
                break
        if target is None:
            target = cooperate if lead else lead
        for name in _NAMES.split(clause):
            name = name.strip().strip("等")
            if name and name not in target:
                target.append(name)
    return Split(lead=tuple(lead), cooperate=tuple(c for c in cooperate if c not in lead))


@dataclass(kw_only=True)
class Matcher:
    """Names to ids, against a config's offices and groups; what it cannot match it proposes,
    once per name, with an id no other office or group has."""

    known: dict[str, str] = field(default_factory=dict)  # key(name) -> id
    taken: set[str] = field(default_factory=set)
    proposed_offices: dict[str, str] = field(default_factory=dict)  # id -> name
    proposed_groups: dict[str, str] = field(default_factory=dict)  # id -> name
    matched: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, config: Config | None) -> Matcher:
        m = cls()
        if config is None:
            return m
        for office in config.offices.values():
            for name in (office.name, *office.aliases):
                m.known.setdefault(key(name), office.id)
        for group in config.groups.values():
            m.known.setdefault(key(group.name), group.id)
        m.taken = set(config.offices) | set(config.groups)
        return m

    def id_for(self, name: str) -> str:
        found = self.known.get(key(name))
        if found is not None:
            if found not in self.proposed_offices and found not in self.proposed_groups:
                self.matched.add(found)
            return found
        new = self._new_id(name)
        self.known[key(name)] = new
        self.taken.add(new)
        if _GROUPISH.search(name):
            self.proposed_groups[new] = name
        else:
            self.proposed_offices[new] = name
        return new

    def ids(self, names: Iterable[str]) -> list[str]:
        return list(dict.fromkeys(self.id_for(n) for n in names))

    def _new_id(self, name: str) -> str:
        base = slug(name) or "office"
        candidate, n = base, 2
        while candidate in self.taken:
            candidate, n = f"{base}-{n}", n + 1
        return candidate


def slug(name: str) -> str:
    """A readable ASCII id for a Chinese name: its pinyin syllables joined by hyphens
    ("guang-dian-lv-you-ke"), at most 48 characters; other letters and digits kept."""
    from pypinyin import lazy_pinyin

    parts = []
    for piece in lazy_pinyin(name, errors=lambda chars: chars):
        ascii_piece = re.sub(r"[^a-z0-9]+", "", piece.lower())
        if ascii_piece:
            parts.append(ascii_piece)
    text = "-".join(parts)[:48].strip("-")
    if not text or not text[0].isalpha():
        text = f"o-{text}" if text else ""
    return text
