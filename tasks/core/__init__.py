"""Shared foundations: settings, the home folder, the document schema, atomic writes, errors."""
