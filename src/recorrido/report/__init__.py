"""The journey map report: one self-contained HTML file, in Spanish and English."""
