"""Inspections: businesses, visits (dossiers), assignments, answers, findings, photos,
signatures and follow-ups."""
