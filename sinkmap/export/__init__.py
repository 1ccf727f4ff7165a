"""Products: spreadsheets and JSON now; web map, field packages and reports later. No Qt."""
