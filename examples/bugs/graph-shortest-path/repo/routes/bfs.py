"""Breadth-first search on adjacency dicts: {node: [neighbour, ...]}."""
from collections import deque


def shortest_path(graph, start, goal):
    """Fewest-hops path from start to goal as a list of nodes, or None if unreachable."""
    if start == goal:
        return [start]
    parent = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nbr in graph.get(node, ()):
            if nbr in parent:
                continue
            parent[nbr] = start
            if nbr == goal:
                return _walk_back(parent, goal)
            queue.append(nbr)
    return None


def _walk_back(parent, node):
    path = []
    while node is not None:
        path.append(node)
        node = parent[node]
    return path[::-1]


def distances(graph, start):
    dist = {start: 0}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nbr in graph.get(node, ()):
            if nbr not in dist:
                dist[nbr] = dist[node] + 1
                queue.append(nbr)
    return dist


def undirected(edges):
    graph = {}
    for a, b in edges:
        graph.setdefault(a, []).append(b)
        graph.setdefault(b, []).append(a)
    return graph
