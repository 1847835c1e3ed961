"""Analytics: every journey question as an Ibis expression that runs on DuckDB and on Spark."""
