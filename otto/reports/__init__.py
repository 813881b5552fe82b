"""Inspection reports: each agency's own PDF report of a visit and the joint report."""
