"""Analysis: exports of findings and follow-ups, and the statistics for the situation picture."""
