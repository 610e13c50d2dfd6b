"""Curriculum as code: read YAML (yamlio), check its structure (schema) and meaning (validate), write it to
the database (loader), write it back (exporter) and review its quality (lint). See docs/curriculum-format.md.
"""
