"""Transactional e-mail for the shop."""
