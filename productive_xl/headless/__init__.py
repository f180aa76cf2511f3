"""Recalculation with no Excel: the engine's copy, PRODUCTIVE_* evaluation, trust, the report."""
