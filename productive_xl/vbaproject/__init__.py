"""A VBA project as Office stores it: the MS-CFB compound file and the MS-OVBA streams in it.

Written from module source text (no compiled p-code, so Office compiles it on opening) and read
back the same way. Imports nothing else of productive_xl.
"""
