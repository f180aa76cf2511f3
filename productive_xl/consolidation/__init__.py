"""Roll many trackers up into one: read each into pandas, total them, list the exceptions, and
write the consolidated workbook (``productive-xl consolidate``)."""
