"""Every number in the shipped option records (summaries, precedents, measures) appears in a quote
of that record or in the cited source's passage: numbers are where misquotation hides."""

import re

import pytest

from conftest import SEEDS, SHIPPED
from rubric import load_study
from rubric.records.evidence import normalise_text

pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed corpus ../shared/seeds is not beside the checkout")

# a number: digits with optional thousands separators and decimals; ranges such as 2-3 give two numbers
NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?![\d])|(?<![\w.,])\d+(?:\.\d+)?(?![\d])")
WORDS = {"two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "eight": "8", "ten": "10",
         "twenty": "20", "eleven": "11", "sixteen": "16"}


MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


def numbers_in(text: str) -> set[str]:
    """Numbers, and month names (dates are numbers too)."""
    found = {m.group(0).replace(",", "") for m in NUMBER.finditer(text)}
    return found | {month for month in MONTHS if re.search(rf"\b{month}\b", text)}


def source_text(study, source_id: str) -> str:
    """The normalised text of a source's part of its corpus file."""
    source = next(s for s in study.sources if s.id == source_id)
    text = normalise_text((SEEDS / source.file).read_text(encoding="utf-8"))
    if source.part:
        start = text.index(normalise_text(source.part.start))
        end = text.index(normalise_text(source.part.end), start) if source.part.end else len(text)
        text = text[start:end]
    return text


def spelled(text: str) -> set[str]:
    """Numbers in a text, counting words such as 'four' and 'six-month' as their digits."""
    found = numbers_in(text)
    for word, digit in WORDS.items():
        if re.search(rf"\b{word}\b", text, re.IGNORECASE):
            found.add(digit)
    return found


def claims(option):
    """(field, text, cited source or None) for each place an option record states numbers."""
    yield "summary", option.summary, None
    for k, precedent in enumerate(option.precedents):
        yield f"precedents/{k}", precedent.event, precedent.source
        # a date's year, and its month by name ("2019-04": 2019 and "April")
        year, *rest = precedent.date.split("-")
        yield f"precedents/{k}/date", year, precedent.source
        if rest:
            yield f"precedents/{k}/date", MONTHS[int(rest[0]) - 1], precedent.source
    for k, measure in enumerate(option.measures):
        yield (f"measures/{k}",
               " ".join(f"{x:g}" for x in (measure.value, measure.low, measure.high) if x is not None),
               measure.source)


def test_every_number_in_the_option_records_is_in_a_quote_or_the_cited_passage():
    study = load_study(SHIPPED)
    texts = {s.id: source_text(study, s.id) for s in study.sources}
    sources_numbers = {sid: spelled(text) for sid, text in texts.items()}
    dated = {s.id: numbers_in(" ".join([s.date.split("-")[0]] + [MONTHS[int(s.date.split("-")[1]) - 1]]
                                       if "-" in s.date else [s.date])) for s in study.sources}
    unbacked = []
    checked = 0
    for option in study.options:
        quoted = set()
        for item in option.evidence:
            quoted |= spelled(normalise_text(item.quote))
        for measure in option.measures:
            quoted |= spelled(normalise_text(measure.quote or ""))
        cited = {e.source for e in option.evidence} | {p.source for p in option.precedents}
        for field, text, source in claims(option):
            # a summary may draw on any source the record cites; a precedent or measure on its own
            # source, whose recorded date (sources.yaml, reasoned in its note) also backs a date
            backing = cited if source is None else {source}
            for number in numbers_in(normalise_text(text)):
                checked += 1
                if number in quoted or any(number in sources_numbers[b] for b in backing):
                    continue
                if field.endswith("/date") and number in dated[source]:
                    continue
                unbacked.append(f"{option.id}.yaml /{field}: {number}")
    assert checked > 100
    assert unbacked == [], "\n".join(unbacked)


def test_the_check_catches_a_misquoted_figure():
    """The check is not vacuous: a changed figure in a precedent is caught."""
    study = load_study(SHIPPED)
    texts = {s.id: spelled(source_text(study, s.id)) for s in study.sources}
    option = next(o for o in study.options if o.id == "deport-foreign-detainees")
    quoted = set().union(*(spelled(normalise_text(e.quote)) for e in option.evidence))
    # Turkey deported 778 in 2019; 787 is a plausible slip that must not pass
    assert "778" in quoted and "787" not in quoted and "787" not in texts["icg-258-turkey-returnees"]


def test_the_mali_swap_counts_are_each_attributed_to_their_source():
    """180 (ISW), nearly 200 (Crisis Group's text) and over 200 (a Crisis Group footnote): each count
    is in its own source's passage, not the other's."""
    study = load_study(SHIPPED)
    isw = source_text(study, "isw-prisoner-releases-2021")
    icg = source_text(study, "icg-306-mali-jnim")
    assert "released 180 prisoners" in isw and "180" not in numbers_in(icg)
    assert "nearly 200 prisoners" in icg and "over 200 suspected jihadists" in icg
    option = next(o for o in study.options if o.id == "prisoner-hostage-exchange")
    assert option.measure("prisoners-released").value == 180
    assert (option.measure("prisoners-released").low, option.measure("prisoners-released").high) == (180, 200)
