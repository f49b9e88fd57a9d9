"""Closed-class word lists the recogniser leans on. General English, nothing article-specific."""

from __future__ import annotations

#: Function words: never part of a place name run, even when capitalised at sentence start.
FUNCTION_WORDS = frozenset(
    ["a", "an", "the", "and", "or", "but", "nor", "so", "yet", "if", "then", "than", "as", "at", "by", "for", "from", "in", "into", "of", "off", "on", "onto", "out", "over", "per", "to", "up", "upon", "via", "with", "within", "without", "after", "before", "during", "since", "until", "while", "about", "above", "across", "against", "along", "among", "around", "behind", "below", "beneath", "beside", "between", "beyond", "despite", "near", "outside", "inside", "through", "throughout", "toward", "towards", "under", "underneath", "unlike", "i", "you", "he", "she", "it", "we", "they", "me", "him", "her", "us", "them", "my", "your", "his", "its", "our", "their", "this", "that", "these", "those", "who", "whom", "whose", "which", "what", "when", "where", "why", "how", "all", "any", "both", "each", "few", "more", "most", "other", "some", "such", "no", "not", "only", "own", "same", "too", "very", "can", "will", "just", "should", "now", "is", "are", "was", "were", "be", "been", "being", "have", "has", "had", "do", "does", "did", "say", "says", "said", "also", "even", "still", "here", "there", "is", "am", "let", "may", "might", "must", "shall", "would", "could", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "first", "last", "next", "late", "early", "mr", "mrs", "ms", "dr"]
)

WEEKDAYS = frozenset(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])
MONTHS = frozenset(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"]
)

#: Lower-case words after a name that say what kind of feature it is.
FEATURE_GENERICS = {
    "river": "river",
    "bridge": "bridge",
    "dam": "dam",
    "reservoir": "reservoir",
    "region": "region",
    "oblast": "region",
    "province": "region",
    "state": "region",
    "county": "region",
    "governorate": "region",
    "prefecture": "region",
    "territory": "region",
    "area": "area",
    "district": "district",
    "city": "city",
    "town": "city",
    "village": "city",
    "island": "island",
    "islands": "island",
    "spit": "spit",
    "port": "port",
    "harbour": "port",
    "harbor": "port",
    "plant": "plant",
    "station": "plant",
    "sea": "sea",
    "bay": "bay",
    "lake": "lake",
    "mountains": "mountain",
    "mountain": "mountain",
    "peninsula": "peninsula",
    "strait": "strait",
    "estuary": "estuary",
    "airport": "airport",
    "square": "square",
    "street": "street",
    "avenue": "street",
    "road": "street",
    "highway": "street",
    "park": "park",
    "valley": "valley",
    "coast": "coast",
    "border": "border",
    "front": "front",
    "direction": "direction",
}

#: Preceding "the X of" phrases that cue a feature type: "the city of Kherson".
PRECEDING_GENERICS = {
    "city": "city",
    "town": "city",
    "village": "city",
    "port": "city",
    "capital": "city",
    "region": "region",
    "province": "region",
    "state": "region",
    "oblast": "region",
    "republic": "country",
    "island": "island",
    "district": "district",
}

#: Capitalised words after a name that make the whole run an organisation or outlet.
ORG_SUFFIXES = frozenset(
    ["news", "times", "post", "journal", "herald", "tribune", "press", "gazette", "telegraph", "guardian", "chronicle", "observer", "express", "mirror", "standard", "today", "magazine", "tv", "television", "radio", "broadcasting", "broadcaster", "network", "networks", "channel", "media", "university", "college", "institute", "school", "academy", "airlines", "airways", "air", "railways", "bank", "group", "council", "club", "fc", "united", "city's", "corporation", "corp", "inc", "ltd", "company", "party", "foundation", "fund", "association", "agency", "review", "report", "daily", "weekly", "independent", "pravda", "truth", "insider"]
)

#: Titles before a person's name: "General Mark Milley", "President Joe Biden".
PERSON_TITLES = frozenset(
    ["president", "general", "gen", "secretary", "minister", "chairman", "chairwoman", "chair", "senator", "sen", "governor", "gov", "mayor", "king", "queen", "prince", "princess", "pope", "mr", "mrs", "ms", "dr", "sir", "lord", "lady", "colonel", "col", "captain", "capt", "lieutenant", "sergeant", "admiral", "commander", "chief", "spokesman", "spokeswoman", "spokesperson", "ambassador", "prime", "deputy", "judge", "justice", "rep", "representative", "professor", "prof", "saint", "st", "pres"]
)

#: Verbs of speech or decision that make a capital or country stand for its government.
AGENCY_VERBS = frozenset(
    ["said", "says", "say", "warned", "warns", "announced", "announces", "ordered", "orders", "claimed", "claims", "denied", "denies", "declared", "declares", "insisted", "insists", "accused", "accuses", "responded", "responds", "threatened", "threatens", "demanded", "demands", "urged", "urges", "rejected", "rejects", "agreed", "agrees", "signed", "signs", "admitted", "admits", "acknowledged", "confirmed", "confirms", "vowed", "vows", "pledged", "promised", "promises", "decided", "decides", "refused", "refuses", "approved", "condemned", "condemns", "believes", "hopes", "wants", "intends", "plans", "argued", "argues", "told", "tells", "sought", "seeks", "called", "calls", "recognised", "recognized", "annexed", "annexes", "invaded", "invades"]
)

#: Nouns after a possessive name that make it the state or government: "Moscow's declaration".
INSTITUTIONAL_NOUNS = frozenset(
    ["government", "administration", "declaration", "statement", "decision", "invasion", "annexation", "position", "policy", "officials", "official", "leadership", "regime", "ministry", "defense", "defence", "military", "army", "forces", "troops", "soldiers", "navy", "president", "leader", "spokesman", "response", "war", "campaign", "offensive", "counteroffensive", "pushback", "claims", "claim", "demands", "plan", "plans", "intelligence", "embassy", "envoy", "diplomats", "diplomacy", "strategy", "allies", "interests"]
)

#: Nouns before "from X" that make X the speaker: "warnings from Kyiv".
SPEECH_NOUNS = frozenset(
    ["warning", "warnings", "statement", "statements", "word", "orders", "order", "message", "messages", "signal", "signals", "response", "pressure", "demands", "demand", "support", "approval", "permission", "condemnation"]
)

#: Seats of power named for the government inside them (a general, closed class).
GOVERNMENT_SEAT_NAMES = frozenset(
    [
        "kremlin",
        "white house",
        "downing street",
        "elysee palace",
        "pentagon",
        "whitehall",
        "bankova",
        "zhongnanhai",
        "capitol hill",
        "blue house",
        "the kremlin",
    ]
)

#: Abbreviations news writes for countries in running text (ISO codes otherwise only
#: answer lookups: "IT", "TV" and "IN" are words far more often than countries).
COUNTRY_ABBREVIATIONS = frozenset(
    ["US", "U.S.", "USA", "U.S.A.", "UK", "U.K.", "UAE", "DRC", "PRC", "DPRK", "ROK"]
)

#: Capitalised words that may stand before a place name inside one run: "Southern Ukraine".
PLACE_MODIFIERS = frozenset(
    ["north", "south", "east", "west", "northern", "southern", "eastern", "western", "central", "northeastern", "northwestern", "southeastern", "southwestern", "greater", "upper", "lower", "inner", "outer", "occupied", "liberated"]
)
