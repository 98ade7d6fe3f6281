"""The loop as a LangGraph state machine: state, nodes, routes, the verdict contract, budgets."""
