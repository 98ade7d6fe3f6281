from routes.bfs import distances, shortest_path, undirected

METRO = undirected([("A", "B"), ("B", "C"), ("C", "D"), ("A", "E"), ("E", "F")])


def test_same_node():
    assert shortest_path(METRO, "A", "A") == ["A"]


def test_direct_neighbour():
    assert shortest_path(METRO, "A", "B") == ["A", "B"]


def test_three_hops():
    assert shortest_path(METRO, "A", "D") == ["A", "B", "C", "D"]


def test_path_from_the_middle():
    assert shortest_path(METRO, "D", "F") == ["D", "C", "B", "A", "E", "F"]


def test_unreachable():
    graph = {"A": ["B"], "B": [], "Z": []}
    assert shortest_path(graph, "A", "Z") is None


def test_distances():
    assert distances(METRO, "A") == {"A": 0, "B": 1, "E": 1, "C": 2, "F": 2, "D": 3}


def test_directed_graph():
    graph = {"a": ["b"], "b": ["c"], "c": []}
    assert shortest_path(graph, "c", "a") is None
