"""The command line: parse arguments, call the app, print. The top layer; nothing imports it."""
