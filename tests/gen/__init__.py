"""Helpers for the generated-fixture tests: hypothesis strategies, expectations, HTML parsing."""
