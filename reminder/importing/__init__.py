"""`reminder import`: a bureau's own task table (Word, Excel, HTML, CSV, text, PDF) read into
tasks, their offices matched against a config and their time limits mapped to due rules, and
written out as schedules.toml to review. Above config/ (it matches against a Config and checks
its output with the loader), below app/; it touches no database.

readers/ turn a file into rows of cells (one module per format); columns.py finds what each
column holds; tasks.py turns rows into tasks; offices.py and limits.py map the 责任 and 时限
texts; emit.py writes TOML."""

FORMATS = ("docx", "xlsx", "csv", "txt", "html", "pdf")  # `import --format`, by reader
