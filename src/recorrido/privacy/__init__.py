"""Privacy: one customer's data shown, exported and forgotten; retention and pseudonymisation."""
