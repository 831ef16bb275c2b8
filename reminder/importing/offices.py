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
_NAMES = re.compile(r"[、/／]+|\s+|等(?=(?:其他|其它|有关|相关|各)?(?:单位|部门|科室|股室))")
_LEAD = ("牵头", "负责", "办理", "落实", "主办", "组织实施")
_COOPERATE = ("配合", "协办", "参与", "协助", "参加")
# Role wording after a name that says nothing about which side it is on.
_NEUTRAL = re.compile(r"(?:按照?职责分工负责|按照?职责分工|按照?职责负责|按照?职责|分工负责)$")
_MARK = re.compile(r"[（(]\s*(牵头|配合|协办|参与|参加)(?:单位|部门|科室|股室)?\s*[）)]")
# A label opening a clause inside one cell (牵头单位：…；配合单位：…) and the side it names.
_LABEL = re.compile(r"^(牵头|责任|配合|协办|参与)(?:单位|科室|部门|股室)?[:：]")
# Names that stand for several offices: a group, whatever the table calls it.
_GROUPISH = re.compile(
    r"^(各|其他|其它|有关|相关|全体|所有)|属下|下属|各(?:有关|相关)?(?:单位|科室|股室|部门|处室|镇|街道)"
    r"|(?:有关|相关)(?:单位|科室|股室|部门|处室)$"  # 区直有关部门
)
# What a group phrase says beside its core word (各有关单位 is 单位), for matching groups.
_QUALIFIERS = re.compile(
    r"各|其他|其它|有关|相关|全体|所有|局属|区直|市直|县直|直属|属下|下属|及|和"
)
MANY_LEADS = "列有多个单位且未标明牵头：均作牵头，请核对"
# A space after a whole office name (or its （牵头）) and before another name separates the
# two (区政府办公室 区政数局), where other spaces between Chinese characters are a PDF's or
# Word's (区 政数局); not before role wording (办公室 牵头), which stays with its name.
_NAME_END = r"(?:室|局|委|办|科|股|中心|所|队|院|站|会|处|部|厅|署|府|街道|镇|乡|）|\))"
_NAME_GAP = re.compile(
    rf"({_NAME_END})[ \t\u00a0\u3000]+"
    r"(?=[\u3400-\u9fff])(?!牵头|负责|配合|协办|参与|协助|参加|按照?职责|分工|等|办理|落实|主办)"
)


# 排在第一位的为牵头单位, 第一个单位为牵头单位, 排名第一的为牵头单位, 首个单位牵头…
FIRST_LEADS = re.compile(
    r"(?:第一位|第一个|第一|首位|首个|最前|前面)[的位]?"
    r"(?:(?:单位|部门|科室|股室)(?:为|是|系)?|为|是|系)牵头"
)


def is_group(name: str) -> bool:
    return _GROUPISH.search(name) is not None


@dataclass(frozen=True, kw_only=True, slots=True)
class Split:
    lead: tuple[str, ...]
    cooperate: tuple[str, ...]
    review: str = ""  # several leads, none marked: for the # REVIEW: line

    @property
    def names(self) -> tuple[str, ...]:
        """Every name, whichever side the words put it on."""
        return self.lead + self.cooperate


def _side(clause: str) -> tuple[str, str | None]:
    """A clause without its role wording, and the side that wording names (None: unsaid)."""
    clause = _NEUTRAL.sub("", clause)
    for words, side in ((_LEAD, "lead"), (_COOPERATE, "cooperate")):
        for word in words:
            if clause.endswith(word) and not _MARK.search(clause[-len(word) - 2 :]):
                return _NEUTRAL.sub("", clause[: -len(word)]), side
    return clause, None


def _names(clause: str) -> list[tuple[str, str | None]]:
    """Names of a clause with the side a （牵头） behind a name gives it."""
    out = []
    for raw in _NAMES.split(clause):
        mark = _MARK.search(raw)
        name = _NEUTRAL.sub("", _MARK.sub("", raw).strip()).strip("等")
        if name:
            side = None if mark is None else ("lead" if mark[1] == "牵头" else "cooperate")
            out.append((name, side))
    return out


def split(text: str, *, first_leads: bool = False) -> Split:
    """ "办公室、法规信访科牵头，各科室（单位）配合" -> lead (办公室, 法规信访科), cooperate
    (各科室（单位）). "区司法局（牵头）、区财政局": the marked one leads, the others cooperate.
    Names no words put on a side: the first leads when the document says so (`first_leads`),
    else all lead, with a review; a group never leads beside an office."""
    named: list[tuple[str, str | None]] = []
    for clause in _CLAUSES.split(clean(_NAME_GAP.sub(r"\1、", text))):
        label = _LABEL.match(clause.strip())
        clause = clause.strip()[label.end() :] if label else clause.strip()
        clause, side = _side(clause)
        if label is not None and label[1] != "责任":
            side = side or ("lead" if label[1] == "牵头" else "cooperate")
        named += [(n, s or side) for n, s in _names(clause)]
    lead = [n for n, s in named if s == "lead"]
    cooperate = [n for n, s in named if s == "cooperate"]
    unsaid = [n for n, s in named if s is None]
    review = ""
    if lead:
        cooperate = [n for n, s in named if s != "lead"]  # in the order named
    elif first_leads and unsaid:
        lead, cooperate = unsaid[:1], unsaid[1:] + cooperate
    else:
        lead = unsaid
        if len([n for n in lead if not is_group(n)]) > 1:
            review = MANY_LEADS
    offices = [n for n in lead if not is_group(n)]
    if offices and len(offices) < len(lead):  # 各单位 beside an office: it cooperates
        cooperate = [n for n in lead if is_group(n)] + cooperate
        lead = offices
    lead = list(dict.fromkeys(lead))
    rest = tuple(dict.fromkeys(c for c in cooperate if c not in lead))
    return Split(lead=tuple(lead), cooperate=rest, review=review)


@dataclass(kw_only=True)
class Matcher:
    """Names to ids, against a config's offices and groups; what it cannot match it proposes,
    once per name, with an id no other office or group has."""

    known: dict[str, str] = field(default_factory=dict)  # key(name) -> id
    taken: set[str] = field(default_factory=set)
    proposed_offices: dict[str, str] = field(default_factory=dict)  # id -> name
    proposed_groups: dict[str, str] = field(default_factory=dict)  # id -> name
    matched: set[str] = field(default_factory=set)
    groups: dict[str, str] = field(default_factory=dict)  # a group's (or 各单位's) name -> id

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
        for office in config.offices.values():
            for name in (office.name, *office.aliases):
                if is_group(name):
                    m.groups.setdefault(name, office.id)
        for group in config.groups.values():
            m.groups.setdefault(group.name, group.id)
        return m

    def _group_like(self, name: str) -> str | None:
        """An existing group for a group phrase (其他股室 -> 各股室): the same core word,
        有关/相关 alike when several groups share it."""
        if not is_group(name):
            return None
        core = _QUALIFIERS.sub("", key(name))
        same = [(n, i) for n, i in self.groups.items() if _QUALIFIERS.sub("", key(n)) == core]
        related = re.search("有关|相关", name) is not None
        alike = [i for n, i in same if (re.search("有关|相关", n) is not None) == related]
        found = alike or [i for _, i in same]
        return found[0] if found else None

    def id_for(self, name: str) -> str:
        found = self.known.get(key(name)) or self._group_like(name)
        if found is not None:
            if found not in self.proposed_offices and found not in self.proposed_groups:
                self.matched.add(found)
            return found
        new = self._new_id(name)
        self.known[key(name)] = new
        self.taken.add(new)
        if is_group(name):
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
