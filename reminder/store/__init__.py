"""All SQL lives in this package: models, engine set-up, and the functions that query them."""
