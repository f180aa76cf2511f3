"""The benefits tracker workbook, built from code: one module a sheet, assembled by ``build``."""
