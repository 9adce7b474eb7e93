"""Edge-list social graphs: reading 'a b [tie]' files, errors, and scenarios built on them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import write_file

import sim
from sim.model.network import EdgeListError, SocialGraph, read_edgelist
from sim.model.scenario import ScenarioError, load_scenario

CONTACTS = """\
# who knows whom; a third column is the tie strength
alice bob
bob carol 0.8

carol dave
dave alice 0.1   # a weak tie
bob alice
"""
# labels in order of first appearance: alice 0, bob 1, carol 2, dave 3


def write(tmp_path: Path, content: str | bytes, name: str = "edges.txt") -> Path:
    return write_file(tmp_path / name, content)


def edge_list_error(path: Path) -> str:
    with pytest.raises(EdgeListError) as info:
        read_edgelist(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    return message


# -- reading ------------------------------------------------------------------------------------


def test_labels_become_people_0_to_n_minus_1(tmp_path):
    graph = read_edgelist(write(tmp_path, CONTACTS))
    assert graph.number_of_nodes() == 4
    assert sorted(graph.nodes) == [0, 1, 2, 3]
    # the repeated "bob alice" is the same tie as "alice bob"
    assert {frozenset(e) for e in graph.edges} == {
        frozenset(e) for e in [(0, 1), (1, 2), (2, 3), (3, 0)]
    }


def test_numeric_labels_need_not_start_at_zero(tmp_path):
    graph = read_edgelist(write(tmp_path, "1001 7\n7 42\n"))
    assert sorted(graph.nodes) == [0, 1, 2]
    assert graph.number_of_edges() == 2


def test_third_column_is_tie_strength(tmp_path):
    graph = read_edgelist(write(tmp_path, CONTACTS))
    assert graph.edges[1, 2]["tie"] == 0.8
    assert graph.edges[3, 0]["tie"] == 0.1
    assert "tie" not in graph.edges[0, 1]


def test_given_tie_strength_is_used_in_both_directions(tmp_path):
    graph = read_edgelist(write(tmp_path, CONTACTS))
    social = SocialGraph.from_networkx(graph, 0.25, np.random.default_rng(1), given_ties=True)
    assert social.n == 4
    assert social.edges == 2 * 4  # each tie is two directed edges

    def tie(i: int, j: int) -> float:
        edge = int(social.edge_index(np.array([i]), np.array([j]))[0])
        assert edge >= 0
        return float(social.tie[edge])

    assert tie(1, 2) == tie(2, 1) == 0.8
    assert tie(3, 0) == tie(0, 3) == 0.1
    # ties the file leaves out are drawn, but still the same both ways and within [0, 1]
    assert tie(0, 1) == tie(1, 0)
    assert 0.0 <= tie(0, 1) <= 1.0


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ("a b\nc\n", 2),  # one field
        ("a b\nb c d e\n", 2),  # four fields
        ("a b 1.5\n", 1),  # tie strength above 1
        ("a b -0.2\n", 1),  # tie strength below 0
        ("a b strong\n", 1),  # tie strength not a number
        ("a b nan\n", 1),
        ("a b\nc c\n", 2),  # self-loop
        ("# header\n\na b\n\nc c\n", 5),  # comments and blank lines still count as lines
    ],
)
def test_bad_line_is_named_by_number(tmp_path, content, line):
    message = edge_list_error(write(tmp_path, content))
    assert f"line {line}" in message


def test_bad_tie_strength_says_what_is_allowed(tmp_path):
    message = edge_list_error(write(tmp_path, "a b 1.5\n"))
    assert "1.5" in message
    assert "0" in message and "1" in message


@pytest.mark.parametrize("content", ["", "\n\n", "# nothing but comments\n"])
def test_file_without_edges(tmp_path, content):
    edge_list_error(write(tmp_path, content))


def test_non_utf8_file(tmp_path):
    edge_list_error(write(tmp_path, "café bob\n".encode("latin-1")))


def test_missing_file(tmp_path):
    edge_list_error(tmp_path / "nowhere.txt")


@pytest.mark.parametrize("content", ["x" * 1_000_000 + "\n", "root:$6$" + "s" * 200 + ":19000:0:7:::\n"],
                         ids=["a megabyte line", "a password file"])
def test_a_bad_line_is_echoed_only_in_a_short_cut(tmp_path, content):
    # the file named may be anything (a password file, a log): its first line is not printed whole
    message = edge_list_error(write(tmp_path, content))
    assert "line 1" in message and "…" in message
    assert len(message) < len(str(tmp_path)) + 100


def test_byte_order_mark_is_not_part_of_the_first_label(tmp_path):
    graph = read_edgelist(write(tmp_path, "\ufeff1 2\n2 3\n3 1\n".encode()))
    assert graph.number_of_nodes() == 3


# -- scenarios with graph = "edgelist" -----------------------------------------------------------

EDGELIST_SCENARIO = '[population]\ngraph = "edgelist"\nedgelist = "{file}"\n'


def ring(labels: list[str]) -> str:
    """Each label knows the next two around the ring (every third tie given as strong)."""
    n = len(labels)
    lines = []
    for i, label in enumerate(labels):
        for step in (1, 2):
            strength = " 0.9" if i % 3 == 0 else ""
            lines.append(f"{label} {labels[(i + step) % n]}{strength}")
    return "\n".join(lines) + "\n"


def test_relative_edgelist_is_found_next_to_the_scenario(tmp_path, monkeypatch):
    folder = tmp_path / "study"
    folder.mkdir()
    edges = write(folder, CONTACTS)
    path = write(folder, EDGELIST_SCENARIO.format(file="edges.txt"), "net.toml")
    monkeypatch.chdir(tmp_path)  # not the scenario's folder
    scenario = load_scenario(path)
    assert Path(scenario["population"]["edgelist"]).resolve() == edges.resolve()


def test_edgelist_given_as_override_is_relative_to_the_scenario(tmp_path, monkeypatch):
    folder = tmp_path / "study"
    folder.mkdir()
    edges = write(folder, CONTACTS)
    path = write(folder, "[run]\ndays = 5\n", "net.toml")
    monkeypatch.chdir(tmp_path)
    overrides = {"population.graph": "edgelist", "population.edgelist": "edges.txt"}
    scenario = load_scenario(path, overrides)
    assert Path(scenario["population"]["edgelist"]).resolve() == edges.resolve()


@pytest.mark.parametrize(
    "text",
    [
        EDGELIST_SCENARIO.format(file="missing.txt"),
        '[population]\ngraph = "edgelist"\n',  # no edge list given at all
    ],
)
def test_scenario_without_a_usable_edgelist_file(tmp_path, text):
    path = write(tmp_path, text, "net.toml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    assert "population.edgelist" in message


@pytest.mark.parametrize(("given", "words"), [
    ("edges\\u0000.txt", "is not a file path"),  # a NUL (written as a TOML escape)
    ("a" * 300, "cannot be a file path (File name too long)"),  # one name past the file system's 255
    ("a/" * 2500, "a text of 5,000 characters"),  # past the text limit
])
def test_an_edgelist_path_that_cannot_be_a_path_is_one_line(tmp_path, given, words):
    path = write(tmp_path, EDGELIST_SCENARIO.format(file=given), "net.toml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message and len(message) < len(str(path)) + 200
    assert "population.edgelist" in message and words in message


def test_scenario_with_an_unreadable_edgelist_is_rejected_on_load(tmp_path):
    write(tmp_path, b"\xff\xfe a b\n")
    path = write(tmp_path, EDGELIST_SCENARIO.format(file="edges.txt"), "net.toml")
    try:
        load_scenario(path)
    except ScenarioError as exc:
        assert "population.edgelist" in str(exc)
    else:
        raise AssertionError("scenario with an unreadable edge list loaded")


def test_model_on_an_edgelist_has_one_person_per_label(tmp_path):
    labels = [f"p{i}" for i in range(40)]
    write(tmp_path, ring(labels))
    text = EDGELIST_SCENARIO.format(file="edges.txt") + "people = 2000\n"
    path = write(tmp_path, text, "net.toml")
    model = sim.WeishangModel(load_scenario(path), seed=1)
    model.run(5)
    assert model.day == 5
    assert model.graph.n == len(set(labels))  # the edge list, not population.people, sets the size
    assert model.people.n == len(set(labels))
