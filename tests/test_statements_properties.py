"""Properties of the statement parser: whatever the text, it parses or is refused with a clear StatementError.

The examples are derandomized, so a run is reproducible; a failure prints the statement that broke it.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.model import SEGMENT_GROUP_MAX, SEGMENT_GROUPS_MAX_ITEMS, CancelTaskRequest, CreateTaskRequest
from engine.statements import StatementError, parse_statement

SETTINGS = settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
MESSAGE_MAX_LENGTH = 400
"""Room for a message that quotes a few shortened values."""


def sql_quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


TROUBLE = st.sampled_from(["\x00", "\x07", "\x1b[31m", "\t", "\n", "\r", "\x7f", "\x85", "\u00a0", "\u200b"])
BIDI = st.sampled_from(["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"])
FREE_TEXT = st.text(max_size=12)
DIRTY_TEXT = st.builds(lambda a, b, c: a + b + c, FREE_TEXT, TROUBLE | BIDI, FREE_TEXT)

# Python refuses to convert a text of more than 4300 digits to an int; the parser must refuse it first.
DIGIT_COUNTS = st.one_of(st.sampled_from([20, 21, 4300, 4301, 5000]), st.integers(min_value=15, max_value=6000))
NUMBERS = st.one_of(
    st.integers().map(str),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    DIGIT_COUNTS.map(lambda digits: "9" * digits),
    DIGIT_COUNTS.map(lambda digits: "-" + "1" * digits),
    st.builds(lambda whole, fraction: f"{whole}.{fraction}", st.integers(), st.integers(min_value=0)),
    DIGIT_COUNTS.map(lambda digits: "0." + "5" * digits),
)
KEYWORDS = {"CREATE", "CANCEL", "TASK", "TYPE", "LOCATION", "SYSTEM", "CLUSTER", "NODE", "OPTIONS", "TRUE", "FALSE"}
WORDS = st.from_regex(r"[A-Za-z_][\w.\-]{0,16}", fullmatch=True).filter(lambda word: word.upper() not in KEYWORDS)
PRINTABLE_TEXT = st.text(
    st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp")) | st.just(" "),
    min_size=1,
    max_size=30,
)
GOOD_NAMES = st.one_of(WORDS, PRINTABLE_TEXT.map(sql_quoted))
NAMES = st.one_of(
    WORDS,
    FREE_TEXT.map(sql_quoted),
    DIRTY_TEXT.map(sql_quoted),
    FREE_TEXT.map(lambda text: f"'{text}'"),  # quotes inside left undoubled
    FREE_TEXT.map(lambda text: '"' + text.replace('"', '""') + '"'),
    NUMBERS,
    st.just("''"),
    st.text(min_size=129, max_size=300).map(sql_quoted),
)
TYPES = st.one_of(st.sampled_from(["rebuild", "check_disk", "rebalance", "Rebuild", "REBALANCE", "vacuum"]), NAMES)
LOCATIONS = st.one_of(
    st.just(""),
    st.just("LOCATION SYSTEM"),
    NAMES.map(lambda name: f"LOCATION SYSTEM {name}"),
    NAMES.map(lambda name: f"LOCATION CLUSTER {name}"),
    NAMES.map(lambda name: f"location node {name}"),
    st.tuples(NAMES, NAMES).map(lambda pair: f"LOCATION {pair[0]} {pair[1]}"),
    st.just("LOCATION"),
)
SCALARS = st.one_of(NUMBERS, NAMES, st.sampled_from(["true", "false", "TRUE", "False"]))
VALUES = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=8).map(lambda items: "[" + ", ".join(items) + "]"),
    st.lists(SCALARS, max_size=3).map(lambda items: "[" + ", ".join(items)),
    st.lists(SCALARS, max_size=3).map(lambda items: "[[" + ", ".join(items) + "]]"),
)
OPTION_KEYS = st.one_of(
    st.sampled_from(["node", "segment_groups", "table_id", "fix", "sample", "only_unhealthy", "storage_ids"]),
    WORDS,
    NAMES,
)
OPTIONS = st.one_of(
    st.just(""),
    st.lists(
        st.tuples(OPTION_KEYS, st.sampled_from([" = ", " ", "="]), VALUES).map("".join), min_size=0, max_size=5
    ).map(lambda options: "OPTIONS " + ", ".join(options)),
)
ENDS = st.sampled_from(["", ";", " ;", "; extra", ";;", " ", "\n"])
CREATES = st.builds(
    lambda head, name, type_, location, options, end: (
        " ".join(part for part in (head, name, "TYPE", type_, location, options) if part) + end
    ),
    st.sampled_from(["CREATE TASK", "create task", "Create Task", "CREATE"]),
    st.one_of(st.just(""), NAMES),
    TYPES,
    LOCATIONS,
    OPTIONS,
    ENDS,
)
CANCELS = st.builds(
    lambda head, name, end: f"{head} {name}{end}",
    st.sampled_from(["CANCEL TASK", "cancel task", "CANCEL"]),
    NAMES,
    ENDS,
)
BOOLS = st.sampled_from(["true", "false", "TRUE", "False"])
GOOD_OPTIONS = {
    "rebuild": {
        "node": GOOD_NAMES,
        "segment_groups": st.lists(st.integers(min_value=0, max_value=SEGMENT_GROUP_MAX).map(str), max_size=5).map(
            lambda items: "[ " + ", ".join(items) + " ]"
        ),
        "table_id": GOOD_NAMES,
    },
    "check_disk": {
        "fix": BOOLS,
        "sample": BOOLS,
        "only_unhealthy": BOOLS,
        "storage_ids": st.lists(GOOD_NAMES, max_size=5).map(lambda items: "[" + ",".join(items) + "]"),
    },
    "rebalance": {},
}


@st.composite
def valid_creates(draw: st.DrawFn) -> str:
    type_ = draw(st.sampled_from(sorted(GOOD_OPTIONS)))
    name = draw(st.one_of(st.just(""), GOOD_NAMES))
    location = draw(
        st.one_of(
            st.sampled_from(["", "LOCATION SYSTEM"]),
            st.tuples(st.sampled_from(["CLUSTER", "NODE", "cluster"]), GOOD_NAMES).map(
                lambda pair: f"LOCATION {pair[0]} {pair[1]}"
            ),
        )
    )
    chosen = draw(st.fixed_dictionaries({}, optional=GOOD_OPTIONS[type_]))
    options = "OPTIONS " + ", ".join(f"{key} = {value}" for key, value in chosen.items()) if chosen else ""
    return " ".join(part for part in ("CREATE TASK", name, "TYPE", type_, location, options) if part) + ";"


@st.composite
def well_formed_creates(draw: st.DrawFn) -> str:
    """Statements of the right shape whose names and values may be anything: huge, negative, unprintable."""
    type_ = draw(st.sampled_from(sorted(GOOD_OPTIONS)))
    name = draw(st.one_of(st.just(""), NAMES))
    kind = draw(st.sampled_from(["CLUSTER", "NODE"]))
    location = draw(st.one_of(st.just(""), NAMES.map(lambda name: f"LOCATION {kind} {name}")))
    keys = sorted(GOOD_OPTIONS["rebuild"]) + sorted(GOOD_OPTIONS["check_disk"])
    chosen = draw(st.dictionaries(st.sampled_from(keys), VALUES, max_size=3))
    options = "OPTIONS " + ", ".join(f"{key} = {value}" for key, value in chosen.items()) if chosen else ""
    return " ".join(part for part in ("CREATE TASK", name, "TYPE", type_, location, options) if part) + ";"


VALID_CREATES = valid_creates()
VALID_CANCELS = GOOD_NAMES.map(lambda name: f"CANCEL TASK {name};")
NEAR_VALID = st.one_of(VALID_CREATES, VALID_CANCELS, well_formed_creates(), CREATES, CANCELS)
SPLICED = st.builds(
    lambda text, at, insert: text[:at] + insert + text[at:],
    NEAR_VALID,
    st.integers(min_value=0, max_value=200),
    FREE_TEXT,
)


def parse_or_refuse(text: str) -> CreateTaskRequest | CancelTaskRequest | StatementError:
    try:
        return parse_statement(text)
    except StatementError as error:
        return error


@SETTINGS
@given(st.text())
def test_any_text_parses_or_is_refused_with_a_statement_error(text: str) -> None:
    assert isinstance(parse_or_refuse(text), CreateTaskRequest | CancelTaskRequest | StatementError)


@SETTINGS
@given(st.one_of(NEAR_VALID, SPLICED))
def test_a_near_valid_statement_parses_or_is_refused_with_a_statement_error(text: str) -> None:
    assert isinstance(parse_or_refuse(text), CreateTaskRequest | CancelTaskRequest | StatementError)


@SETTINGS
@given(st.one_of(st.text(), NEAR_VALID, SPLICED))
def test_a_refusal_is_one_short_printable_line(text: str) -> None:
    outcome = parse_or_refuse(text)
    if isinstance(outcome, StatementError):
        message = str(outcome)
        assert message.isprintable() and len(message) <= MESSAGE_MAX_LENGTH


@SETTINGS
@given(st.one_of(VALID_CREATES, VALID_CANCELS))
def test_a_statement_of_printable_names_and_values_in_range_parses(text: str) -> None:
    assert isinstance(parse_statement(text), CreateTaskRequest | CancelTaskRequest)


@SETTINGS
@given(VALID_CREATES)
def test_a_created_task_parses_back_from_its_own_statement(text: str) -> None:
    request = parse_statement(text)
    assert isinstance(request, CreateTaskRequest)
    assert parse_statement(request.to_statement()) == request


@SETTINGS
@given(NEAR_VALID)
def test_every_name_a_statement_accepts_is_printable(text: str) -> None:
    outcome = parse_or_refuse(text)
    if isinstance(outcome, CreateTaskRequest):
        names = [outcome.name, outcome.location.name, outcome.options.get("node"), outcome.options.get("table_id")]
        names += outcome.options.get("storage_ids", [])
        assert all(name.isprintable() for name in names if name is not None)
    elif isinstance(outcome, CancelTaskRequest):
        assert outcome.task.isprintable()


@SETTINGS
@given(NEAR_VALID)
def test_every_segment_group_a_statement_accepts_is_in_range(text: str) -> None:
    outcome = parse_or_refuse(text)
    if isinstance(outcome, CreateTaskRequest):
        groups = outcome.options.get("segment_groups", [])
        assert len(groups) <= SEGMENT_GROUPS_MAX_ITEMS
        assert all(type(group) is int and 0 <= group <= SEGMENT_GROUP_MAX for group in groups)
