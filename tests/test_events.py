"""The events stage on made-up articles with hand-made sentences and toponyms."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

import pytest
from shapely.geometry import Polygon

from geomap.events import (
    event_id,
    explain_merge,
    extract_events,
    merge_events,
    merged_reports,
)
from geomap.models import (
    DatePrecision,
    Document,
    Event,
    Mention,
    MentionRole,
    Place,
    Precision,
    Sentence,
    Toponym,
)
from geomap.taxonomy import PALETTE, TAXONOMY, category_for, lemmas, taxonomy_markdown

FRIDAY = dt.date(2022, 9, 16)

IZIUM = Place("t:izium", "Izium", "city", 49.21, 37.25, "UA", "Kharkiv", 45000)
BALAKLIIA = Place("t:balakliia", "Balakliia", "city", 49.46, 36.86, "UA", "Kharkiv", 26000)
KUPIANSK = Place("t:kupiansk", "Kupiansk", "city", 49.71, 37.61, "UA", "Kharkiv", 26000)
LYMAN = Place("t:lyman", "Lyman", "city", 48.99, 37.80, "UA", "Donetsk", 20000)
LUHANSK_REGION = Place("t:luhansk-obl", "Luhansk Oblast", "admin1", 48.9, 39.0, "UA", "Luhansk")
SALTIVKA = Place("t:saltivka", "Saltivka", "district", 50.03, 36.33, "UA", "Kharkiv")
KHARKIV = Place("t:kharkiv", "Kharkiv", "city", 49.99, 36.23, "UA", "Kharkiv", 1400000)
VOVCHANSK = Place("t:vovchansk", "Vovchansk", "city", 50.29, 36.94, "UA", "Kharkiv", 17000)
KYIV = Place("t:kyiv", "Kyiv", "city", 50.45, 30.52, "UA", "Kyiv", 2900000)
UKRAINE = Place("t:ua", "Ukraine", "country", 49.0, 32.0, "UA")
OSKIL = Place("t:oskil", "Oskil", "river", 49.4, 37.6, "UA")
SVATOVE = Place("t:svatove", "Svatove", "city", 49.41, 38.15, "UA", "Luhansk", 16000)
SIVERSK_BRIDGE = Place("t:bridge", "Siverskyi Bridge", "bridge", 48.87, 38.10, "UA", "Donetsk")
MEKELLE = Place("t:mekelle", "Mekelle", "city", 13.50, 39.47, "ET", "Tigray", 310000)
ADIGRAT = Place("t:adigrat", "Adigrat", "city", 14.28, 39.46, "ET", "Tigray", 57000)
EAST_BANK = Polygon([(37.6, 49.0), (38.0, 49.0), (38.0, 49.8), (37.6, 49.8)])


@dataclass(frozen=True)
class Spot:
    """A toponym to place by hand wherever ``text`` occurs in the article."""

    text: str
    place: Place
    precision: Precision
    role: MentionRole = "literal"
    relation: str | None = None
    geometry: Polygon | None = None
    cue: str | None = None
    score: float = 0.9


def article(
    text: str,
    spots: list[Spot],
    *,
    date: dt.date | None = FRIDAY,
    precision: DatePrecision | None = "day",
    doc_id: str = "doc-a",
) -> tuple[Document, tuple[Sentence, ...], tuple[Toponym, ...]]:
    doc = Document(doc_id, text, title="A made-up report", date=date, date_precision=precision)
    sentences = tuple(
        Sentence(m.start(), m.end())
        for m in re.finditer(r"[^.!?]+[.!?]", text)
        if m.group(0).strip()
    )
    sentences = tuple(
        Sentence(s.start + len(text[s.start : s.end]) - len(text[s.start : s.end].lstrip()), s.end)
        for s in sentences
    )
    toponyms = []
    for spot in spots:
        for m in re.finditer(re.escape(spot.text), text):
            index = next(i for i, s in enumerate(sentences) if s.start <= m.start() < s.end)
            name = re.sub(r"['’]s$", "", spot.text)
            mention = Mention(
                m.start(), m.end(), spot.text, name, spot.role, spot.cue, spot.relation, index
            )
            toponyms.append(Toponym(mention, spot.place, spot.score, spot.precision, spot.geometry))
    return doc, sentences, tuple(toponyms)


def events_of(text: str, spots: list[Spot], **kwargs: object) -> tuple[Event, ...]:
    merge = bool(kwargs.pop("merge", True))
    return extract_events(*article(text, spots, **kwargs), merge=merge)  # type: ignore[arg-type]


def single(text: str, spots: list[Spot], **kwargs: object) -> Event:
    found = events_of(text, spots, **kwargs)
    assert len(found) == 1, [(e.event_type, e.sub_event_type, e.location) for e in found]
    return found[0]


# --------------------------------------------------------------------------- event types


def test_forces_entering_their_own_town_regain_territory() -> None:
    text = "Ukrainian troops entered Izium on Saturday after days of fighting nearby."
    e = single(text, [Spot("Izium", IZIUM, "city")])
    assert (e.event_type, e.sub_event_type) == ("Battles", "Government regains territory")
    assert e.actor1 == "Military Forces of Ukraine"
    assert (e.event_date, e.time_precision, e.date_text) == (
        dt.date(2022, 9, 10),
        "day",
        "on Saturday",
    )
    assert (e.location, e.place_id, e.geo_precision) == ("Izium", "t:izium", 1)
    assert e.quote == text
    assert text[e.start : e.end] == "Izium"
    assert (e.sentence_start, e.sentence_end) == (0, len(text))
    assert e.country == "Ukraine" and e.admin1 == "Kharkiv"
    assert not e.historical
    assert 0.0 < e.confidence <= 1.0


@pytest.mark.parametrize("verb", ["retook", "liberated", "advanced into", "recaptured"])
def test_retaking_verbs(verb: str) -> None:
    e = single(f"Yesterday Ukraine's forces {verb} Kupiansk.", [Spot("Kupiansk", KUPIANSK, "city")])
    assert e.sub_event_type == "Government regains territory"
    assert e.event_date == FRIDAY - dt.timedelta(days=1)


def test_foreign_forces_capturing_a_town_overtake_territory() -> None:
    text = "Eritrean soldiers captured the town of Adigrat in March, witnesses said."
    e = single(text, [Spot("Adigrat", ADIGRAT, "city")])
    assert (e.event_type, e.sub_event_type) == ("Battles", "Non-state actor overtakes territory")
    assert e.actor1 == "Military Forces of Eritrea"
    assert (e.event_date, e.time_precision) == (dt.date(2022, 3, 1), "month")
    assert e.historical


def test_undated_capture_noun_is_historical_context_without_a_date() -> None:
    text = "Ethiopia's capture of Mekelle changed the war."
    e = single(text, [Spot("Mekelle", MEKELLE, "city")])
    assert e.sub_event_type == "Government regains territory"
    assert e.actor1 == "Military Forces of Ethiopia"
    assert (e.event_date, e.time_precision) == (None, None)


def test_forced_out_is_passive_and_dated_two_months_back() -> None:
    text = "Russian units were driven out of the Luhansk region two months ago, analysts said."
    e = single(text, [Spot("Luhansk region", LUHANSK_REGION, "admin1")])
    assert e.sub_event_type == "Government regains territory"
    assert (e.actor1, e.actor2) == ("Military Forces of Ukraine", "Military Forces of Russia")
    assert (e.event_date, e.time_precision) == (dt.date(2022, 7, 1), "month")
    assert e.geo_precision == 3
    assert e.historical


def test_withdrawal_is_a_non_violent_transfer() -> None:
    text = "Late last week, Russia pulled back its troops from Lyman."
    e = single(text, [Spot("Lyman", LYMAN, "city")])
    assert (e.event_type, e.sub_event_type) == (
        "Strategic developments",
        "Non-violent transfer of territory",
    )
    assert e.actor1 == "Military Forces of Russia"
    assert (e.event_date, e.time_precision) == (dt.date(2022, 9, 8), "week")
    assert not e.historical


def test_relocation_to_a_river_bank_locates_on_the_bank_area() -> None:
    text = (
        "Moscow said the relocation of Russian units to the eastern bank of the Oskil "
        "was completed this morning."
    )
    spot = Spot(
        "eastern bank of the Oskil", OSKIL, "area", relation="east_bank", geometry=EAST_BANK
    )
    e = single(text, [spot])
    assert e.sub_event_type == "Non-violent transfer of territory"
    assert e.actor1 == "Military Forces of Russia"
    assert e.location == "Oskil (east bank)" and e.place_id == "t:oskil#east_bank"
    assert e.geo_precision == 2
    assert e.geometry is not None and e.geometry.contains_properly(
        Polygon(EAST_BANK).representative_point()
    )
    assert EAST_BANK.contains(Polygon(EAST_BANK).representative_point())
    assert (e.lon, e.lat) == EAST_BANK.representative_point().coords[0]
    assert e.event_date == FRIDAY


def test_fallen_bridge_is_infrastructure_damage_at_the_bridge() -> None:
    text = "Residents said on Thursday that the Siverskyi bridge near Lyman had collapsed."
    spots = [
        Spot("Siverskyi bridge", SIVERSK_BRIDGE, "point", cue="bridge"),
        Spot("Lyman", LYMAN, "city"),
    ]
    e = single(text, spots)
    assert (e.event_type, e.sub_event_type) == ("Infrastructure damage", "Cause unknown")
    assert e.location == "Siverskyi Bridge" and e.actor1 is None
    assert (e.event_date, e.time_precision) == (dt.date(2022, 9, 15), "day")


def test_flag_waving_crowds_are_a_celebration_by_local_civilians() -> None:
    text = "In Balakliia, jubilant villagers waved flags and hugged soldiers."
    e = single(text, [Spot("Balakliia", BALAKLIIA, "city")])
    assert (e.event_type, e.sub_event_type) == ("Celebration/gathering", "Celebration")
    assert e.actor1 == "Civilians (Ukraine)"


def test_anaphoric_city_points_back_to_the_last_city() -> None:
    text = (
        "Ukrainian troops entered Balakliia on Thursday. "
        "Crowds waved flags in the city's main square."
    )
    found = events_of(text, [Spot("Balakliia", BALAKLIIA, "city")])
    celebration = next(e for e in found if e.event_type == "Celebration/gathering")
    assert celebration.place_id == "t:balakliia"
    assert text[celebration.start : celebration.end] == "the city's"
    assert celebration.quote == "Crowds waved flags in the city's main square."


def test_destroyed_tanks_on_a_route_are_located_between_the_towns() -> None:
    text = "Driving from Izium to Balakliia, reporters saw burned-out tanks along the highway."
    spots = [Spot("Izium", IZIUM, "city"), Spot("Balakliia", BALAKLIIA, "city")]
    e = single(text, spots)
    assert (e.event_type, e.sub_event_type) == ("Battles", "Destroyed military equipment")
    assert e.location == "between Izium and Balakliia" and e.geo_precision == 2
    assert e.geometry is not None and e.geometry.geom_type == "LineString"
    assert e.lat == pytest.approx((IZIUM.lat + BALAKLIIA.lat) / 2)


def test_shortages_are_a_humanitarian_situation() -> None:
    text = "An aid worker said families in Lyman were lacking water, food and medicine."
    e = single(text, [Spot("Lyman", LYMAN, "city")])
    assert (e.event_type, e.sub_event_type) == ("Humanitarian situation", "Humanitarian crisis")
    assert e.actor1 == "Civilians (Ukraine)"
    # Undated finite verb: assumed to be the publication week.
    assert (e.event_date, e.time_precision, e.date_text) == (FRIDAY, "week", None)


def test_humanitarian_catastrophe_phrase() -> None:
    text = "A regional official called the situation in Kupiansk a humanitarian catastrophe."
    e = single(text, [Spot("Kupiansk", KUPIANSK, "city")])
    assert e.event_type == "Humanitarian situation"


def test_announced_future_withdrawal_is_a_statement() -> None:
    text = (
        "On Wednesday, Russian officials said the army will withdraw "
        "from the eastern bank of the Oskil."
    )
    spot = Spot(
        "eastern bank of the Oskil", OSKIL, "area", relation="east_bank", geometry=EAST_BANK
    )
    e = single(text, [spot])
    assert (e.event_type, e.sub_event_type) == ("Statement", "Announcement")
    assert e.actor1 == "Government of Russia"
    assert e.event_date == dt.date(2022, 9, 14)


@pytest.mark.parametrize(
    ("text", "sub"),
    [
        (
            "Artillery fire hit Kupiansk overnight, killing two.",
            "Shelling/artillery/missile attack",
        ),
        ("A drone strike hit a depot in Kupiansk.", "Air/drone strike"),
        ("A landmine exploded near Kupiansk, wounding a farmer.", "Remote explosive/landmine/IED"),
        ("Police arrested three men in Kupiansk.", "Arrests"),
        ("Hundreds of protesters rallied in Kupiansk against the curfew.", "Peaceful protest"),
    ],
)
def test_other_acled_types(text: str, sub: str) -> None:
    found = events_of(text, [Spot("Kupiansk", KUPIANSK, "city")])
    assert sub in {e.sub_event_type for e in found}


# --------------------------------------------------------------------------- locations


def test_most_specific_place_wins() -> None:
    text = "Ukrainian troops advanced into the Saltivka district of Kharkiv on Friday."
    spots = [Spot("Saltivka", SALTIVKA, "district"), Spot("Kharkiv", KHARKIV, "city")]
    e = single(text, spots)
    assert e.location == "Saltivka" and e.geo_precision == 2


def test_countries_and_metonymic_mentions_are_never_locations() -> None:
    spots = [
        Spot("Ukraine", UKRAINE, "country"),
        Spot("Kyiv's", KYIV, "city", role="metonymy"),
        Spot("Vovchansk", VOVCHANSK, "city"),
    ]
    assert events_of("Russia withdrew its troops from Ukraine on Monday.", spots) == ()
    e = single("Kyiv's troops entered Vovchansk on Monday.", spots)
    assert e.location == "Vovchansk"
    assert e.actor1 == "Military Forces of Ukraine"


def test_rivers_alone_do_not_locate() -> None:
    spots = [Spot("Oskil", OSKIL, "line")]
    assert events_of("Russian forces retreated across the Oskil on Monday.", spots) == ()
    # Even resolved to a town of that name: what forces withdraw across, they cross.
    town = [Spot("Oskil", replace(OSKIL, kind="city"), "city")]
    assert events_of("Russian forces retreated across the Oskil on Monday.", town) == ()
    assert len(events_of("Russian forces retreated from the Oskil on Monday.", town)) == 1


def test_object_of_the_cue_beats_other_places() -> None:
    text = "Officials in Kharkiv said Russian troops fled from Svatove on Tuesday."
    spots = [Spot("Kharkiv", KHARKIV, "city"), Spot("Svatove", SVATOVE, "city")]
    e = single(text, spots)
    assert e.location == "Svatove"


# --------------------------------------------------------------------------- filters


def test_article_without_events() -> None:
    text = "The minister spoke about the economy in Kyiv on Monday. Markets were calm."
    assert events_of(text, [Spot("Kyiv", KYIV, "city")]) == ()


def test_negated_and_hypothetical_cues_are_dropped() -> None:
    spots = [Spot("Svatove", SVATOVE, "city")]
    assert events_of("Russian forces did not withdraw from Svatove.", spots) == ()
    assert events_of("If Ukrainian troops were to enter Svatove, it would matter.", spots) == ()


def test_place_name_words_are_not_cues() -> None:
    square = Place("t:sq", "Liberation Square", "square", 49.99, 36.23, "UA", "Kharkiv")
    spots = [Spot("Liberation Square", square, "point")]
    assert events_of("Tourists photographed Liberation Square on Monday.", spots) == ()


# --------------------------------------------------------------------------- dates


def test_document_without_publication_date_keeps_relative_dates_unresolved() -> None:
    text = "Ukrainian forces retook Lyman last week. They liberated Izium on 10 September 2022."
    spots = [Spot("Lyman", LYMAN, "city"), Spot("Izium", IZIUM, "city")]
    lyman, izium = events_of(text, spots, date=None, precision=None)
    assert (lyman.event_date, lyman.time_precision, lyman.date_text) == (None, None, "last week")
    assert (izium.event_date, izium.time_precision) == (dt.date(2022, 9, 10), "day")
    assert not lyman.historical and not izium.historical


def test_week_precision_publication() -> None:
    text = "Sunday, crowds celebrated in Izium."
    e = single(text, [Spot("Izium", IZIUM, "city")], date=dt.date(2022, 9, 12), precision="week")
    assert (e.event_date, e.time_precision) == (dt.date(2022, 9, 11), "week")


def test_anchor_phrase_does_not_date_the_event_it_names() -> None:
    text = "Russian troops fled Izium two weeks before their withdrawal from Lyman."
    spots = [Spot("Izium", IZIUM, "city"), Spot("Lyman", LYMAN, "city")]
    found = {e.location: e for e in events_of(text, spots)}
    assert found["Izium"].date_text == "two weeks before"
    assert found["Lyman"].date_text is None


# --------------------------------------------------------------------------- ids and merging


def test_event_ids_are_deterministic() -> None:
    text = "Ukrainian troops entered Izium on Saturday."
    spots = [Spot("Izium", IZIUM, "city")]
    first, second = single(text, spots), single(text, spots)
    assert (
        first.id
        == second.id
        == event_id("doc-a", "Battles", "Government regains territory", "t:izium", 0)
    )
    moved = single("Markets were calm. " + text, spots)
    assert moved.id != first.id


def two_reports() -> tuple[Event, Event]:
    a = single(
        "Ukrainian troops entered Izium on Saturday.",
        [Spot("Izium", IZIUM, "city")],
        doc_id="doc-a",
    )
    near_izium = replace(IZIUM, id="t:izium-2", lat=IZIUM.lat + 0.03)  # about 3 km north
    b = single(
        "Last weekend, Ukraine's forces liberated Izium.",
        [Spot("Izium", near_izium, "city")],
        date=dt.date(2022, 9, 12),
        precision="week",
        doc_id="doc-b",
    )
    return a, b


def test_merge_joins_the_same_event_from_two_documents() -> None:
    a, b = two_reports()
    assert "merged" in explain_merge(a, b) and "km apart" in explain_merge(a, b)
    (merged,) = merge_events([a, b])
    # Sources in order of publication.
    assert [s.doc_id for s in merged.sources] == ["doc-b", "doc-a"]
    assert merged.merged_from == tuple(sorted((a.id, b.id)))
    assert (merged.event_date, merged.time_precision) == (dt.date(2022, 9, 10), "day")
    assert merged.confidence >= max(a.confidence, b.confidence)
    assert merge_events([b, a]) == merge_events([a, b])


def test_merge_keeps_apart_what_differs() -> None:
    a, b = two_reports()
    far = replace(b, lat=b.lat + 1.0)
    assert set(merge_events([a, far])) == {a, far}
    assert explain_merge(a, far).startswith("not merged:") and "km apart" in explain_merge(a, far)
    later = replace(b, event_date=dt.date(2022, 10, 20))
    assert len(merge_events([a, later])) == 2
    assert "dates do not overlap" in explain_merge(a, later)
    other_type = replace(b, event_type="Strategic developments")
    assert "different types" in explain_merge(a, other_type)


def test_merge_accepts_an_unknown_date() -> None:
    a, b = two_reports()
    undated = replace(b, event_date=None, time_precision=None, date_text=None)
    (merged,) = merge_events([a, undated])
    assert merged.event_date == a.event_date
    assert "one date unknown" in explain_merge(a, undated)


# --------------------------------------------------------------------------- taxonomy


def test_taxonomy_is_complete_and_renders() -> None:
    acled = {
        ("Battles", "Armed clash"),
        ("Battles", "Government regains territory"),
        ("Battles", "Non-state actor overtakes territory"),
        ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
        ("Explosions/Remote violence", "Air/drone strike"),
        ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
        ("Violence against civilians", "Attack"),
        ("Protests", "Peaceful protest"),
        ("Riots", "Violent demonstration"),
        ("Strategic developments", "Agreement"),
        ("Strategic developments", "Arrests"),
        ("Strategic developments", "Change to group/activity"),
        ("Strategic developments", "Disrupted weapons use"),
        ("Strategic developments", "Headquarters or base established"),
        ("Strategic developments", "Looting/property destruction"),
        ("Strategic developments", "Non-violent transfer of territory"),
        ("Strategic developments", "Other"),
    }
    pairs = {(c.event_type, c.sub_event_type) for c in TAXONOMY}
    assert acled <= pairs
    assert len(pairs) == len(TAXONOMY)
    for extra in (
        "Celebration/gathering",
        "Infrastructure damage",
        "Humanitarian situation",
        "Statement",
        "Military presence/movement",
    ):
        assert any(c.event_type == extra for c in TAXONOMY)
    for c in TAXONOMY:
        assert c.colour == PALETTE[c.event_type] and c.icon and c.acled_event_type
        assert category_for(c.event_type, c.sub_event_type) is c
    assert len(set(PALETTE.values())) == len(PALETTE)
    table = taxonomy_markdown()
    assert table.count("\n|") >= len(TAXONOMY) + 1
    assert "| Infrastructure damage | Cause unknown (geomap) |" in table


def test_lemmas_use_suffix_rules_and_irregular_verbs() -> None:
    assert "retake" in lemmas("retook") and "retake" in lemmas("retaking")
    assert "liberate" in lemmas("liberation") and "withdraw" in lemmas("withdrawal")
    assert "flee" in lemmas("fled") and "flag" in lemmas("flags")


# --------------------------------------------------------------------------- lists of places


def test_a_listed_reversal_gives_each_earlier_place_a_historical_withdrawal() -> None:
    text = (
        "Russian troops withdrew from Lyman on Tuesday. "
        "It was the army's fourth setback of the summer - Vovchansk, Izium, Balakliia and "
        "now Lyman."
    )
    spots = [
        Spot("Lyman", LYMAN, "city"),
        Spot("Vovchansk", VOVCHANSK, "city"),
        Spot("Izium", IZIUM, "city"),
        Spot("Balakliia", BALAKLIIA, "city"),
    ]
    found = {e.location: e for e in events_of(text, spots)}
    # The present item is the article's news, reported once.
    assert sorted(found) == ["Balakliia", "Izium", "Lyman", "Vovchansk"]
    assert found["Lyman"].quote.startswith("Russian troops withdrew")
    assert not found["Lyman"].historical
    for name in ("Vovchansk", "Izium", "Balakliia"):
        e = found[name]
        assert e.sub_event_type == "Non-violent transfer of territory"
        assert (e.event_date, e.time_precision) == (None, None)
        assert e.historical
        # Who lost Lyman lost the others: the list's actor is told in the other sentence.
        assert e.actor1 == "Military Forces of Russia"


def test_an_unmarked_list_object_gives_one_event_per_place_on_the_same_day() -> None:
    text = "Russian forces pulled out of Izium, Balakliia and Kupiansk on Saturday."
    spots = [
        Spot("Izium", IZIUM, "city"),
        Spot("Balakliia", BALAKLIIA, "city"),
        Spot("Kupiansk", KUPIANSK, "city"),
    ]
    found = events_of(text, spots)
    assert [e.location for e in found] == ["Izium", "Balakliia", "Kupiansk"]
    assert {(e.event_date, e.time_precision, e.historical) for e in found} == {
        (dt.date(2022, 9, 10), "day", False)
    }


def test_a_region_after_a_town_is_where_the_town_is_not_a_list_item() -> None:
    text = "Russian forces pulled out of Izium, Luhansk region on Saturday."
    spots = [Spot("Izium", IZIUM, "city"), Spot("Luhansk region", LUHANSK_REGION, "admin1")]
    assert [e.location for e in events_of(text, spots)] == ["Izium"]


def test_a_listed_earlier_place_takes_its_date_from_the_article() -> None:
    text = (
        "The army's setbacks - Izium and now Lyman - shocked Moscow. "
        "Russian troops were driven out of Izium in May."
    )
    spots = [Spot("Izium", IZIUM, "city"), Spot("Lyman", LYMAN, "city")]
    found = events_of(text, spots)
    listed = next(e for e in found if e.sub_event_type == "Non-violent transfer of territory")
    assert listed.location == "Izium"
    assert (listed.event_date, listed.time_precision) == (dt.date(2022, 5, 1), "month")
    assert listed.historical


def test_a_season_in_the_list_dates_the_earlier_places() -> None:
    text = "Russia's retreats in the spring from Vovchansk and Izium were costly."
    spots = [Spot("Vovchansk", VOVCHANSK, "city"), Spot("Izium", IZIUM, "city")]
    found = events_of(text, spots)
    assert [e.location for e in found] == ["Vovchansk", "Izium"]
    for e in found:
        assert (e.event_date, e.time_precision, e.date_text) == (
            dt.date(2022, 3, 1),
            "year",
            "in the spring",
        )
        # Precision "year" claims the whole year, but the spring was over by June.
        assert e.historical


def test_reversal_nouns_need_a_list_of_places_and_a_war() -> None:
    spots = [Spot("Kharkiv", KHARKIV, "city"), Spot("Kupiansk", KUPIANSK, "city")]
    assert events_of("The army's defeat shocked officials in Kharkiv and Kupiansk.", spots) == ()
    assert events_of("Analysts discussed the army's defeat at Kupiansk.", spots) == ()
    assert events_of("The team's defeats in Kharkiv and Kupiansk ended its season.", spots) == ()
    assert len(events_of("The army's defeats in Kharkiv and Kupiansk ended it.", spots)) == 2


# --------------------------------------------------------------------------- told as earlier


def test_a_capture_earlier_this_year_is_dated_to_the_year_and_historical() -> None:
    text = "Russian troops seized Svatove earlier this year."
    e = single(text, [Spot("Svatove", SVATOVE, "city")])
    assert e.sub_event_type == "Non-state actor overtakes territory"
    assert (e.event_date, e.time_precision) == (dt.date(2022, 1, 1), "year")
    assert e.historical


def test_a_capture_in_may_is_dated_to_the_month() -> None:
    e = single("Russia's capture of Svatove in May was swift.", [Spot("Svatove", SVATOVE, "city")])
    assert (e.event_date, e.time_precision, e.historical) == (dt.date(2022, 5, 1), "month", True)


@pytest.mark.parametrize(
    "sentence",
    [
        "Russian forces had captured Svatove after a fierce battle.",
        "Russian forces previously seized Svatove.",
        "Russian troops seized Svatove, the largest town they took since the invasion began.",
    ],
)
def test_undated_events_told_as_earlier_stay_undated_and_are_historical(sentence: str) -> None:
    text = "Ukrainian troops entered Lyman on Thursday. " + sentence
    spots = [Spot("Lyman", LYMAN, "city"), Spot("Svatove", SVATOVE, "city")]
    found = {e.location: e for e in events_of(text, spots)}
    capture = found["Svatove"]
    # No publication-week guess for what the text says is over.
    assert (capture.event_date, capture.time_precision) == (None, None)
    assert capture.historical
    assert not found["Lyman"].historical


def test_reported_past_perfect_is_not_an_earlier_event() -> None:
    spots = [Spot("Svatove", SVATOVE, "city")]
    reported = single("Officials said Russian forces had left Svatove.", spots)
    assert reported.event_date is None and not reported.historical
    told = single("Russian forces had left Svatove.", spots)
    assert told.event_date is None and told.historical


def test_an_undated_capture_told_in_the_past_is_background_elsewhere_only() -> None:
    spots = [Spot("Lyman", LYMAN, "city"), Spot("Svatove", SVATOVE, "city")]
    text = (
        "Ukrainian troops entered Lyman on Thursday. "
        "Russia's capture of Svatove after a months-long siege had been a turning point."
    )
    found = {e.location: e for e in events_of(text, spots)}
    assert found["Svatove"].event_date is None and found["Svatove"].historical
    # Where the article's news is, an undated mention of the place is part of that news.
    text = "Ukrainian troops entered Svatove on Thursday. The capture of Svatove was swift."
    found_here = events_of(text, spots)
    assert found_here and not any(e.historical for e in found_here)


# ------------------------------------------------------------------ dates from other events


def test_an_as_clause_takes_the_date_of_the_clause_it_hangs_on() -> None:
    text = "Ukrainian soldiers entered Balakliia on Thursday, as Russian units fled from Izium."
    spots = [Spot("Balakliia", BALAKLIIA, "city"), Spot("Izium", IZIUM, "city")]
    found = {e.location: e for e in events_of(text, spots)}
    assert (found["Balakliia"].event_date, found["Balakliia"].time_precision) == (
        dt.date(2022, 9, 15),
        "day",
    )
    fled = found["Izium"]
    assert fled.sub_event_type == "Non-violent transfer of territory"
    # Tied to Thursday by "as", only known to that week.
    assert (fled.event_date, fled.time_precision, fled.date_text) == (
        dt.date(2022, 9, 15),
        "week",
        "on Thursday",
    )


@pytest.mark.parametrize(
    "second",
    [
        "After that, Ukrainian forces entered Lyman.",
        "Ukrainian forces entered Lyman after the withdrawal.",
    ],
)
def test_a_sentence_tied_to_the_previous_one_takes_its_date(second: str) -> None:
    text = "Russia completed its withdrawal from Lyman on Monday. " + second
    found = events_of(text, [Spot("Lyman", LYMAN, "city")])
    entered = next(e for e in found if e.event_type == "Battles")
    assert (entered.event_date, entered.time_precision) == (dt.date(2022, 9, 12), "week")


def test_an_untied_sentence_keeps_the_publication_week() -> None:
    text = "Russia completed its withdrawal from Lyman on Monday. Ukrainian forces entered Izium."
    spots = [Spot("Lyman", LYMAN, "city"), Spot("Izium", IZIUM, "city")]
    found = {e.location: e for e in events_of(text, spots)}
    assert (found["Izium"].event_date, found["Izium"].time_precision) == (FRIDAY, "week")


def test_an_undated_restatement_takes_the_date_of_the_report_it_restates() -> None:
    bank = Spot(
        "eastern bank of the Oskil", OSKIL, "area", relation="east_bank", geometry=EAST_BANK
    )
    spots = [bank, Spot("Izium", IZIUM, "city")]
    text = (
        "Moscow said the relocation of Russian units to the eastern bank of the Oskil "
        "was completed on Tuesday. Reporters were not allowed in. "
        "All Russian units have relocated to the eastern bank of the Oskil."
    )
    found = events_of(text, spots, merge=False)
    restated = found[-1]
    assert restated.quote.startswith("All Russian units")
    assert (restated.event_date, restated.time_precision, restated.date_text) == (
        dt.date(2022, 9, 13),
        "week",
        "on Tuesday",
    )
    # A place the dated report does not name is a different event: no date to take.
    other = (
        "Russian units relocated from Izium on Tuesday. Russian units have relocated from Lyman."
    )
    by_place = {e.location: e for e in events_of(other, [*spots, Spot("Lyman", LYMAN, "city")])}
    assert by_place["Lyman"].event_date is None


# --------------------------------------------------------------- merging within an article


def test_reports_of_one_event_in_two_sentences_merge() -> None:
    text = (
        "Ukrainian troops entered Izium on Saturday. Crowds cheered in the streets. "
        "Ukraine's forces liberated Izium, officials said."
    )
    spots = [Spot("Izium", IZIUM, "city")]
    reports = events_of(text, spots, merge=False)
    first, second = (e for e in reports if e.event_type == "Battles")
    assert "same place in one article" in explain_merge(first, second)
    merged = single(text, spots)
    assert merged.merged_from == tuple(sorted((first.id, second.id)))
    # The most confident report's quote, the best date of any.
    assert merged.quote == "Ukraine's forces liberated Izium, officials said."
    assert (merged.event_date, merged.time_precision) == (dt.date(2022, 9, 10), "day")
    assert [r.quote for r in merged_reports(merged, reports)] == [first.quote, second.quote]
    assert merged.sources == first.sources


def test_reports_that_differ_stay_apart_within_an_article() -> None:
    spots = [Spot("Izium", IZIUM, "city"), Spot("Balakliia", BALAKLIIA, "city")]
    apart = [
        # Different places.
        "Ukrainian troops entered Izium on Saturday. Ukrainian troops entered Balakliia.",
        # Different types.
        "Ukrainian troops entered Izium on Saturday. Crowds waved flags in Izium.",
        # Different dates.
        "Ukrainian troops entered Izium on 1 September. "
        "Ukrainian troops entered Izium on 14 September.",
    ]
    for text in apart:
        found = events_of(text, spots)
        assert len(found) == 2 and not any(e.merged_from for e in found), text
    a, b = events_of(apart[2], spots)
    assert "dates do not overlap" in explain_merge(a, b)


def test_an_undated_historical_report_does_not_merge_with_the_news() -> None:
    text = (
        "Ukrainian troops entered Izium on Saturday. "
        "Ukrainian troops had previously liberated Izium."
    )
    found = events_of(text, [Spot("Izium", IZIUM, "city")])
    assert len(found) == 2
    assert [e.historical for e in found] == [False, True]


def test_places_of_one_article_stay_apart_across_articles_merging() -> None:
    near = replace(IZIUM, id="t:kamianka", name="Kamianka", lon=IZIUM.lon + 0.1)  # ~7 km
    text = "Russian troops left Izium on Saturday. Russian troops left Kamianka on Saturday."
    spots = [Spot("Kamianka", near, "city"), Spot("Izium", IZIUM, "city")]
    found = events_of(text, spots)
    assert [e.location for e in found] == ["Izium", "Kamianka"]
    assert len(merge_events(found)) == 2
    assert "different places in one article" in explain_merge(*found)


@pytest.mark.parametrize("published", [dt.date(1, 1, 1), dt.date(9999, 12, 31)])
@pytest.mark.parametrize("precision", ["day", "week", "month", "year"])
def test_relative_dates_at_the_ends_of_the_calendar_are_left_undated(
    pipeline,  # noqa: ANN001
    published: dt.date,
    precision: str,
) -> None:
    # Found by the fuzz test: "last week" of a paper dated 1 January of year 1 overflowed.
    doc = Document(
        id="edge",
        text="Troops withdrew from Kherson last week; next year they may return to Kharkiv.",
        date=published,
        date_precision=precision,  # type: ignore[arg-type]
    )
    events = pipeline(doc).events
    assert events
    assert all(e.event_date is None or dt.date.min <= e.event_date <= dt.date.max for e in events)


@pytest.mark.parametrize("published", [dt.date(1, 1, 1), dt.date(1, 1, 9)])
def test_an_article_of_the_first_week_of_year_1_merges_without_overflow(
    pipeline,  # noqa: ANN001
    published: dt.date,
) -> None:
    # Found by the fuzz test: an undated verb takes the publication week, and merging
    # widened that week to the one before, past the calendar's first day.
    doc = Document(
        id="edge",
        text="Police in Kharkiv arrested protesters.",
        date=published,
    )
    events = pipeline(doc).events
    assert events and all(e.event_date is not None for e in events)
    assert len(merge_events(list(events) * 2)) == len(events)  # each merges with its copy
    # an undated event told as history: any day before the reporting period, i.e. none
    told = [replace(e, event_date=None, time_precision=None, historical=True) for e in events]
    assert len(merge_events(told * 2)) == len(told)
