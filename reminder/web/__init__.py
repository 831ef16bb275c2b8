"""The web service (`reminder serve`): pages for offices and supervisors, the JSON API, feeds.

Above app/: it reads and acts through the same use cases the command line does."""
