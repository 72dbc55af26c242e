"""Renderers: JSON documents, text tables; later HTML and JUnit."""
