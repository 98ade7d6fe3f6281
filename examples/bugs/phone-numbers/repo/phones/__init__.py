"""Phone number clean-up for the CRM import."""
