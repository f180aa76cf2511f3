"""``productive-xl``: the command line, its progress bar, one-line errors and exit statuses."""
