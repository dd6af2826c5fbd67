"""Keel: an open-source operations platform."""
