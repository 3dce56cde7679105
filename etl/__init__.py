"""ETL for the mediation warehouse: workbook → cells → typed rows with issues → versioned load."""
