"""The Office add-in that serves the PRODUCTIVE_* functions to Excel on the web, on Mac and on
Windows without a local Python: Office.js custom functions whose JavaScript runs productive_xl's
own Python in Pyodide.

``bridge`` is the one module here that runs in the browser (it is in the add-in's wheel); the
others generate the add-in (``productive-xl officejs``): the manifest, ``functions.json``, the
wheel, Pyodide's files and the page, script and task pane from ``templates/``.
"""
