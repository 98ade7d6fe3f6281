"""Render query results as GitHub-flavoured Markdown tables for reports."""
